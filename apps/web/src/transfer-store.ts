import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { ReceivedBytesStore } from 'webrtc-connect';

/**
 * What a file transfer in flight keeps in IndexedDB so it goes on after a reload of either page:
 * the receiver's bytes so far (pieces at their offsets, by transfer key) and the sender's File
 * (IndexedDB stores Files). Each record names its session's link, so a tab resumes only its own.
 * Removed when the transfer is done, cancelled or failed; what a closed tab left behind is
 * removed once older than a session can last.
 */
interface TransferDb extends DBSchema {
  pieces: {
    key: [string, number];
    value: { key: string; offset: number; bytes: Blob; savedAt: number };
    indexes: { savedAt: number };
  };
  sending: {
    key: string;
    value: { key: string; link: string; file: File; savedAt: number };
    indexes: { savedAt: number };
  };
}

/** No session resumes longer than its link lives (10 minutes by default): an hour is ample. */
const KEEP_MS = 60 * 60 * 1000;
/** The most a receiver keeps of one file: beyond it, a reload starts that file again. */
const MAX_KEPT_BYTES = 512 * 1024 * 1024;

let opened: Promise<IDBPDatabase<TransferDb>> | undefined;

function db(): Promise<IDBPDatabase<TransferDb>> {
  opened ??= openDB<TransferDb>('webrtc-connect-transfers', 1, {
    upgrade(database) {
      database
        .createObjectStore('pieces', { keyPath: ['key', 'offset'] })
        .createIndex('savedAt', 'savedAt');
      database.createObjectStore('sending', { keyPath: 'key' }).createIndex('savedAt', 'savedAt');
    },
  }).then(async (database) => {
    await dropStale(database).catch(() => {});
    return database;
  });
  return opened;
}

async function dropStale(database: IDBPDatabase<TransferDb>): Promise<void> {
  const before = IDBKeyRange.upperBound(Date.now() - KEEP_MS);
  const tx = database.transaction(['pieces', 'sending'], 'readwrite');
  for (const name of ['pieces', 'sending'] as const) {
    let cursor = await tx.objectStore(name).index('savedAt').openCursor(before);
    while (cursor) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
  }
  await tx.done;
}

const ofKey = (key: string) => IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]);

/** The receiver's bytes so far, for the library's FileResume. */
export const receivedBytesStore: ReceivedBytesStore = {
  async load(key) {
    const pieces = await (await db()).getAll('pieces', ofKey(key));
    // Only the unbroken run from the start counts (a write a reload cut short ends it).
    const run: Blob[] = [];
    let size = 0;
    for (const piece of pieces) {
      if (piece.offset !== size) break;
      run.push(piece.bytes);
      size += piece.bytes.size;
    }
    return size > 0 ? new Blob(run) : undefined;
  },
  async append(key, offset, bytes) {
    if (offset + bytes.size > MAX_KEPT_BYTES) return;
    await (await db()).put('pieces', { key, offset, bytes, savedAt: Date.now() });
  },
  async remove(key) {
    await (await db()).delete('pieces', ofKey(key));
  },
};

/** Keeps the File this page sends under `key` in the session of `link`, until it is done. */
export async function keepSending(link: string, key: string, file: File): Promise<void> {
  await (await db()).put('sending', { key, link, file, savedAt: Date.now() });
}

export async function forgetSending(key: string): Promise<void> {
  await (await db()).delete('sending', key);
}

/** The Files this page was sending in the session of `link` when it was reloaded. */
export async function keptSending(link: string): Promise<Array<{ key: string; file: File }>> {
  const all = await (await db()).getAll('sending');
  return all.filter((kept) => kept.link === link).map(({ key, file }) => ({ key, file }));
}
