/// <reference types="node" />
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReceivedBytesStore } from '../core/file-resume.ts';
import { isTransferKey } from '../core/messenger-wire.ts';
import { ConnectError } from '../errors.ts';

/**
 * A `ReceivedBytesStore` on disk for Node peers: what arrived of each resumable file is kept in
 * `<directory>/<key>.part`, so a process that restarts (or a new `FileResume` on the same
 * directory) resumes its transfers from there. Only the unbroken run from the file's start is
 * kept: a piece that would leave a gap is dropped, one that starts inside what is kept replaces
 * the rest from there on.
 */
export function diskBytesStore(directory: string): ReceivedBytesStore {
  if (typeof directory !== 'string' || directory === '') {
    throw new ConnectError('ERR_INVALID_ARGUMENT', 'diskBytesStore takes a directory path');
  }
  const pathOf = (key: string) => {
    // Keys come from the peer: only the pattern the wire allows makes a file name here.
    if (!isTransferKey(key)) {
      throw new ConnectError(
        'ERR_INVALID_ARGUMENT',
        'a transfer key is 1 to 64 of A-Z a-z 0-9 _ -',
      );
    }
    return join(directory, `${key}.part`);
  };
  return {
    async load(key) {
      try {
        const bytes = await readFile(pathOf(key));
        // Read into memory: the receiver appends to this file while it holds what it loaded.
        return bytes.length > 0 ? new Blob([bytes]) : undefined;
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async append(key, offset, bytes) {
      const path = pathOf(key);
      await mkdir(directory, { recursive: true });
      const handle = await open(path, 'a+');
      try {
        const { size } = await handle.stat();
        if (offset > size) return;
        if (offset < size) await handle.truncate(offset);
        await handle.write(new Uint8Array(await bytes.arrayBuffer()));
      } finally {
        await handle.close();
      }
    },
    async remove(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
