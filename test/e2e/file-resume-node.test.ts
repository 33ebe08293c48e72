/**
 * Resumable file transfers between two Node peers (node-datachannel): the link drops
 * mid-transfer, and on the next connection the transfer goes on from the receiver's offset,
 * its SHA-256 checked; also when the receiver's process starts again and has only what its
 * disk store (`diskBytesStore` from `webrtc-connect/node`) kept.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMessenger, FileResume, type Messenger, type MessengerEvents } from 'webrtc-connect';
import { diskBytesStore } from 'webrtc-connect/node';
import { type ChannelPair, openChannelPair } from '../harness/channel-pair.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { nextEvent } from '../support/next-event.ts';

const MIB = 1024 * 1024;
const SIZE = 16 * MIB;
/** The link drops once the receiver holds this much (more than two stored MiB pieces). */
const DROP_AT = 3 * MIB;

let pairs: ChannelPair[] = [];
let directories: string[] = [];

beforeAll(() => assertPrivateNetns());

afterEach(async () => {
  for (const pair of pairs) pair.close();
  pairs = [];
  await Promise.all(directories.map((dir) => rm(dir, { recursive: true, force: true })));
  directories = [];
});

async function pair(): Promise<ChannelPair> {
  const opened = await openChannelPair();
  pairs.push(opened);
  return opened;
}

/** The first `type` event of `messenger` that satisfies `accept`. */
const next = <K extends keyof MessengerEvents>(
  messenger: Messenger,
  type: K,
  accept?: (event: MessengerEvents[K]) => boolean,
) => nextEvent<MessengerEvents, K>(messenger, type, accept);

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Drops the link under a pair of messengers the moment the receiver holds `DROP_AT` bytes (in
 * its progress handler, so the rest cannot arrive meanwhile); resolves once both messengers have
 * seen their channel close.
 */
async function dropLinkMidway(
  link: ChannelPair,
  sender: Messenger,
  receiver: Messenger,
): Promise<void> {
  const closed = Promise.all([next(sender, 'close'), next(receiver, 'close')]);
  await new Promise<void>((resolve) => {
    const off = receiver.on('file-progress', ({ bytes }) => {
      if (bytes < DROP_AT) return;
      off();
      link.close();
      resolve();
    });
  });
  await closed;
}

describe('resumable file transfers between two Node peers', () => {
  it('go on from the receiver offset after the link drops mid-transfer, hash checked', async () => {
    const sending = new FileResume();
    const receiving = new FileResume();
    const bytes = randomBytes(SIZE);
    const link1 = await pair();
    const sender1 = createMessenger(link1.a, { resume: sending });
    const receiver1 = createMessenger(link1.b, { resume: receiving });
    const progress: number[] = [];
    const outgoing = sender1.sendFile(new Blob([bytes]), {
      name: 'random.bin',
      onProgress: (sent) => progress.push(sent),
    });
    await dropLinkMidway(link1, sender1, receiver1);
    // Nothing failed: both halves wait in their FileResume for the next connection.
    const key = outgoing.file.key as string;
    const held = receiving.incoming.get(key)?.received ?? 0;
    expect(held).toBeGreaterThanOrEqual(DROP_AT);
    expect(held).toBeLessThan(SIZE);
    expect(sending.outgoing.has(key)).toBe(true);

    const link2 = await pair();
    const receiver2 = createMessenger(link2.b, { resume: receiving });
    const received = next(receiver2, 'file-received');
    const resumedAt = next(receiver2, 'file-progress');
    progress.length = 0;
    createMessenger(link2.a, { resume: sending });
    expect((await Promise.race([resumedAt, outgoing.done.then(() => ({ bytes: -1 }))])).bytes).toBe(
      held,
    );
    // Together, so a transfer that failed on the sender's side fails the test at once.
    const [file] = await Promise.all([received, outgoing.done]);
    // The sender went on from the receiver's offset: its first progress is that offset.
    expect(progress[0]).toBe(held);
    expect(file.key).toBe(key);
    expect(sha256(new Uint8Array(await file.blob.arrayBuffer()))).toBe(sha256(bytes));
    expect(receiving.incoming.size).toBe(0);
    expect(sending.outgoing.size).toBe(0);
  });

  it('go on from what the disk store kept when the receiver process starts again', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'webrtc-connect-store-'));
    directories.push(directory);
    const sending = new FileResume();
    const bytes = randomBytes(SIZE);
    const link1 = await pair();
    const sender1 = createMessenger(link1.a, { resume: sending });
    const receiver1 = createMessenger(link1.b, {
      resume: new FileResume({ store: diskBytesStore(directory) }),
    });
    const outgoing = sender1.sendFile(new Blob([bytes]), { name: 'random.bin' });
    await dropLinkMidway(link1, sender1, receiver1);
    const key = outgoing.file.key as string;
    // The process stops once its writes are done (what a crash would lose is no test of ours).
    await expect.poll(() => readdir(directory), { timeout: 10_000 }).toEqual([`${key}.part`]);
    await expect
      .poll(async () => (await stat(join(directory, `${key}.part`))).size, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(DROP_AT);

    // A new process: a new FileResume whose only memory is the directory.
    const link2 = await pair();
    const receiver2 = createMessenger(link2.b, {
      resume: new FileResume({ store: diskBytesStore(directory) }),
    });
    const received = next(receiver2, 'file-received');
    const resumedAt = next(receiver2, 'file-progress');
    createMessenger(link2.a, { resume: sending });
    const kept = (await Promise.race([resumedAt, outgoing.done.then(() => ({ bytes: -1 }))])).bytes;
    // Every MiB was written as it came, and what was pending when the channel closed.
    expect(kept).toBeGreaterThanOrEqual(DROP_AT);
    expect(kept).toBeLessThan(SIZE);
    const [file] = await Promise.all([received, outgoing.done]);
    expect(sha256(new Uint8Array(await file.blob.arrayBuffer()))).toBe(sha256(bytes));
    // Received: the store forgets it.
    await expect.poll(() => readdir(directory), { timeout: 5000 }).toEqual([]);
  });
});
