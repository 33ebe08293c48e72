import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

/**
 * Files received in a link session, kept in IndexedDB so a reload of the receiving page still
 * lists them with their "Save" link. Each record names its session's link; they go when the
 * session ends, and what a closed tab left behind goes once older than a session can last.
 * A database of its own, apart from the transfers in flight (transfer-store.ts).
 */
interface ReceivedDb extends DBSchema {
  files: {
    key: string;
    value: { key: string; link: string; name: string; blob: Blob; savedAt: number };
    indexes: { savedAt: number; link: string };
  };
}

/** No session resumes longer than its link lives (10 minutes by default): an hour is ample. */
const KEEP_MS = 60 * 60 * 1000;
/** Larger files are not kept: after a reload their row says so. */
export const MAX_KEPT_FILE_BYTES = 64 * 1024 * 1024;
/** What one session keeps at most: the oldest files go first beyond it. */
const MAX_KEPT_SESSION_BYTES = 256 * 1024 * 1024;

let opened: Promise<IDBPDatabase<ReceivedDb>> | undefined;

function db(): Promise<IDBPDatabase<ReceivedDb>> {
  opened ??= openDB<ReceivedDb>('webrtc-connect-received', 1, {
    upgrade(database) {
      const files = database.createObjectStore('files', { keyPath: 'key' });
      files.createIndex('savedAt', 'savedAt');
      files.createIndex('link', 'link');
    },
  }).then(async (database) => {
    await dropStale(database).catch(() => {});
    return database;
  });
  return opened;
}

async function dropStale(database: IDBPDatabase<ReceivedDb>): Promise<void> {
  const tx = database.transaction('files', 'readwrite');
  let cursor = await tx.store
    .index('savedAt')
    .openCursor(IDBKeyRange.upperBound(Date.now() - KEEP_MS));
  while (cursor) {
    await cursor.delete();
    cursor = await cursor.continue();
  }
  await tx.done;
}

/**
 * Keeps a received file of the session of `link` under `key`; resolves false when it is too
 * large to keep.
 */
export async function keepReceived(
  link: string,
  key: string,
  name: string,
  blob: Blob,
): Promise<boolean> {
  if (blob.size > MAX_KEPT_FILE_BYTES) return false;
  const database = await db();
  const tx = database.transaction('files', 'readwrite');
  const kept = await tx.store.index('link').getAll(link);
  let total = blob.size + kept.reduce((sum, file) => sum + file.blob.size, 0);
  for (const old of kept.sort((x, y) => x.savedAt - y.savedAt)) {
    if (total <= MAX_KEPT_SESSION_BYTES) break;
    await tx.store.delete(old.key);
    total -= old.blob.size;
  }
  await tx.store.put({ key, link, name, blob, savedAt: Date.now() });
  await tx.done;
  return true;
}

/** The file kept under `key`, if it still is. */
export async function keptReceived(key: string): Promise<Blob | undefined> {
  return (await (await db()).get('files', key))?.blob;
}

/** Removes every file kept for the session of `link`. */
export async function forgetReceived(link: string): Promise<void> {
  const database = await db();
  const tx = database.transaction('files', 'readwrite');
  for (const key of await tx.store.index('link').getAllKeys(link)) await tx.store.delete(key);
  await tx.done;
}
