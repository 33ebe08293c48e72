import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diskBytesStore } from 'webrtc-connect/node';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'webrtc-connect-store-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

const text = async (blob: Blob | undefined) => (blob ? await blob.text() : undefined);

describe('diskBytesStore, the received bytes of resumable transfers on disk (Node)', () => {
  it('keeps pieces in order and loads them back, from a new store on the same directory too', async () => {
    const store = diskBytesStore(directory);
    await store.append('key-1', 0, new Blob(['hello ']));
    await store.append('key-1', 6, new Blob(['world']));
    expect(await text(await store.load('key-1'))).toBe('hello world');
    expect(await text(await diskBytesStore(directory).load('key-1'))).toBe('hello world');
    expect(await store.load('never-written')).toBeUndefined();
  });

  it('keeps only the unbroken run: a piece past a gap is dropped, one inside replaces the rest', async () => {
    const store = diskBytesStore(directory);
    await store.append('key-2', 0, new Blob(['abcdef']));
    await store.append('key-2', 10, new Blob(['gap']));
    expect(await text(await store.load('key-2'))).toBe('abcdef');
    await store.append('key-2', 3, new Blob(['XY']));
    expect(await text(await store.load('key-2'))).toBe('abcXY');
  });

  it('forgets a file on remove, and refuses keys that are no transfer keys as file names', async () => {
    const store = diskBytesStore(directory);
    await store.append('key-3', 0, new Blob(['bytes']));
    await store.remove('key-3');
    expect(await readdir(directory)).toEqual([]);
    await expect(store.append('../escape', 0, new Blob(['x']))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});
