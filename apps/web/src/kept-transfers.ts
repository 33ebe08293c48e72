import { keepReceived, keptReceived, MAX_KEPT_FILE_BYTES } from './received-store.ts';
import type { SessionHistory } from './session-history.ts';
import { transferRow } from './transfer-row.ts';

/**
 * Notes a file that went either way in the session's history; a received one's bytes are kept
 * in IndexedDB (when small enough), so a reload of this page can still offer it.
 */
export function keepFinished(
  history: SessionHistory,
  direction: 'incoming' | 'outgoing',
  blob: Blob,
  name = blob instanceof File ? blob.name : 'file',
): void {
  const entry = { kind: 'file' as const, direction, name, size: blob.size, at: Date.now() };
  if (direction === 'outgoing' || blob.size > MAX_KEPT_FILE_BYTES) {
    history.add(entry);
    return;
  }
  // getRandomValues, unlike randomUUID, works on a page that is not a secure context.
  const key = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
  history.add({ ...entry, key });
  // Refused (a private mode, a full disk): after a reload its row says it was not kept.
  keepReceived(history.link, key, name, blob).catch(() => {});
}

/**
 * The rows of the files done before this page was reloaded, in order: sent ones as sent,
 * received ones with their "Save" link when their bytes were kept, else saying they were not.
 * Rows carry `data-restored`, and received ones `data-kept` (true or false).
 */
export function restoreFinished(history: SessionHistory): HTMLLIElement[] {
  const rows: HTMLLIElement[] = [];
  for (const entry of history.entries()) {
    if (entry.kind !== 'file') continue;
    const row = transferRow(entry.name, entry.size, entry.direction);
    row.element.dataset.restored = 'true';
    rows.push(row.element);
    if (entry.direction === 'outgoing') {
      row.succeed('Sent');
      continue;
    }
    const notKept = () => {
      row.succeed('Received before the reload; not kept on this device: ask for it again');
      row.element.dataset.kept = 'false';
    };
    if (!entry.key) {
      notKept();
      continue;
    }
    keptReceived(entry.key).then((blob) => {
      if (!blob) return notKept();
      row.succeed('Received', { blob, name: entry.name });
      row.element.dataset.kept = 'true';
    }, notKept);
  }
  return rows;
}
