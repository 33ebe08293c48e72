import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createMessenger,
  FileResume,
  type Messenger,
  type ReceivedBytesStore,
  type ReceivedFile,
} from 'webrtc-connect';
import { fakeChannelPair as channelPair } from './fakes/fake-channel-pair.ts';
import { settle, useFakeClock } from './fakes/fake-clock.ts';
import { FakeDataChannel } from './fakes/fake-data-channel.ts';

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

const chunkSize = 16 * 1024;
const highWaterMark = 64 * 1024;
const SIZE = 1024 * 1024;

const messenger = (channel: FakeDataChannel, resume: FileResume) =>
  createMessenger(channel as unknown as RTCDataChannel, { chunkSize, highWaterMark, resume });

function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

/** Resolves once the receiver holds at least `bytes` of its incoming file. */
const progressed = (receiver: Messenger, bytes: number) =>
  new Promise<number>((resolve) => {
    const off = receiver.on('file-progress', (event) => {
      if (event.bytes < bytes) return;
      off();
      resolve(event.bytes);
    });
  });

/** File bytes sent on `channel` (chunk payloads, without their 4-byte header). */
const chunkBytes = (channel: FakeDataChannel) =>
  channel.sent
    .filter((data) => typeof data !== 'string')
    .reduce((sum, data) => sum + (data as ArrayBufferView).byteLength - 4, 0);

/** A store in memory standing in for IndexedDB: pieces at their offsets. */
function memoryStore(): ReceivedBytesStore & { pieces: Map<string, Blob[]> } {
  const pieces = new Map<string, Blob[]>();
  return {
    pieces,
    async load(key) {
      const kept = pieces.get(key);
      return kept ? new Blob(kept) : undefined;
    },
    async append(key, offset, bytes) {
      const kept = pieces.get(key) ?? [];
      const size = kept.reduce((sum, blob) => sum + blob.size, 0);
      // Only the unbroken run from the start counts.
      if (offset === size) pieces.set(key, [...kept, bytes]);
    },
    async remove(key) {
      pieces.delete(key);
    },
  };
}

/** Both ways of hashing: whole by WebCrypto (the default), and incrementally (large files). */
const HASHINGS = [
  { hashing: 'hashed whole by WebCrypto', wholeDigestMaxBytes: undefined },
  { hashing: 'hashed incrementally by noble', wholeDigestMaxBytes: 0 },
] as const;

describe.each(HASHINGS)(
  'resumable file transfers over a replaced connection, $hashing',
  ({ wholeDigestMaxBytes }) => {
    const newResume = (options: { store?: ReceivedBytesStore } = {}) =>
      new FileResume(
        wholeDigestMaxBytes === undefined ? options : { ...options, wholeDigestMaxBytes },
      );

    it('goes on from the bytes the receiver holds, sends only the rest, and checks the whole hash', async () => {
      const sending = newResume();
      const receiving = newResume();
      const [a1, b1] = await channelPair();
      const sender1 = messenger(a1, sending);
      const receiver1 = messenger(b1, receiving);
      const bytes = randomBytes(SIZE);
      const outgoing = sender1.sendFile(new Blob([bytes]), { name: 'random.bin' });
      expect(outgoing.file.key).toMatch(/^[A-Za-z0-9_-]{22}$/);
      await settle(progressed(receiver1, SIZE / 3));
      // The connection is replaced: the old channel dies, each side detaches its messenger.
      a1.close();
      sender1.detach();
      receiver1.detach();
      const held = receiving.incoming.get(outgoing.file.key as string)?.received ?? 0;
      expect(held).toBeGreaterThanOrEqual(SIZE / 3);
      expect(held).toBeLessThan(SIZE);

      const [a2, b2] = await channelPair();
      const receiver2 = messenger(b2, receiving);
      const received = new Promise<ReceivedFile>((resolve) =>
        receiver2.on('file-received', resolve),
      );
      const started = new Promise<number>((resolve) =>
        receiver2.on('file-progress', (event) => resolve(event.bytes)),
      );
      messenger(a2, sending);
      expect(await settle(started)).toBe(held);
      const file = await settle(received);
      await settle(outgoing.done);
      expect(file.key).toBe(outgoing.file.key);
      expect(Buffer.from(await file.blob.arrayBuffer()).equals(bytes)).toBe(true);
      // Only what the receiver lacked crossed the new channel.
      expect(chunkBytes(a2)).toBe(SIZE - held);
      expect(receiving.incoming.size).toBe(0);
      expect(sending.outgoing.size).toBe(0);
    });

    it('resumes from the store after a reload of the receiver (a new FileResume on the same store)', async () => {
      const store = memoryStore();
      const sending = newResume();
      const [a1, b1] = await channelPair();
      const sender1 = messenger(a1, sending);
      const receiver1 = messenger(b1, newResume({ store }));
      const bytes = randomBytes(3 * SIZE);
      const outgoing = sender1.sendFile(new Blob([bytes]), { name: 'random.bin' });
      await settle(progressed(receiver1, 2.5 * SIZE));
      const key = outgoing.file.key as string;
      // The receiver's page reloads: its memory is gone, the store keeps the MiB pieces written.
      a1.close();
      sender1.detach();
      const [a2, b2] = await channelPair();
      const receiver2 = messenger(b2, newResume({ store }));
      const received = new Promise<ReceivedFile>((resolve) =>
        receiver2.on('file-received', resolve),
      );
      const started = new Promise<number>((resolve) =>
        receiver2.on('file-progress', (event) => resolve(event.bytes)),
      );
      messenger(a2, sending);
      const kept = await settle(started);
      // Every whole MiB, and what was pending when the old channel's close came.
      expect(kept).toBeGreaterThanOrEqual(2 * SIZE);
      expect(kept).toBeLessThan(3 * SIZE);
      const file = await settle(received);
      await settle(outgoing.done);
      expect(Buffer.from(await file.blob.arrayBuffer()).equals(bytes)).toBe(true);
      expect(chunkBytes(a2)).toBe(3 * SIZE - kept);
      // Received: its kept bytes are forgotten.
      expect(store.pieces.has(key)).toBe(false);
    });

    it('resumes from the first byte when the store cannot be read (its load throws at once)', async () => {
      const store = memoryStore();
      const sending = newResume();
      const [a1, b1] = await channelPair();
      const sender1 = messenger(a1, sending);
      const receiver1 = messenger(b1, newResume({ store }));
      const bytes = randomBytes(2 * SIZE);
      const outgoing = sender1.sendFile(new Blob([bytes]), { name: 'random.bin' });
      await settle(progressed(receiver1, 1.5 * SIZE));
      a1.close();
      sender1.detach();
      // The reloaded receiver's store fails as a plain function may: by throwing, not rejecting.
      const broken: ReceivedBytesStore = {
        ...store,
        load: () => {
          throw new Error('the disk is gone');
        },
      };
      const [a2, b2] = await channelPair();
      const receiver2 = messenger(b2, newResume({ store: broken }));
      const received = new Promise<ReceivedFile>((resolve) =>
        receiver2.on('file-received', resolve),
      );
      messenger(a2, sending);
      const file = await settle(received);
      await settle(outgoing.done);
      expect(Buffer.from(await file.blob.arrayBuffer()).equals(bytes)).toBe(true);
      expect(chunkBytes(a2)).toBe(2 * SIZE);
    });

    it('fails with ERR_HASH_MISMATCH on both sides when the resumed file changed meanwhile', async () => {
      const receiving = newResume();
      const [a1, b1] = await channelPair();
      const sender1 = messenger(a1, newResume());
      const receiver1 = messenger(b1, receiving);
      const bytes = randomBytes(SIZE);
      const outgoing = sender1.sendFile(new Blob([bytes]), { name: 'random.bin' });
      await settle(progressed(receiver1, SIZE / 2));
      a1.close();
      sender1.detach();
      receiver1.detach();

      // The sender's page reloads and sends the File it kept, but its first bytes changed on disk.
      const changed = bytes.slice();
      changed[0] = (changed[0] as number) ^ 0xff;
      const sending = newResume();
      const resent = sending.resend(new Blob([changed]), outgoing.file.key as string, {
        name: 'random.bin',
      });
      const [a2, b2] = await channelPair();
      const receiver2 = messenger(b2, receiving);
      const failed = new Promise<string>((resolve) =>
        receiver2.on('file-failed', ({ error }) => resolve(error.code)),
      );
      let offered = false;
      receiver2.on('file-received', () => {
        offered = true;
      });
      messenger(a2, sending);
      expect(await settle(failed)).toBe('ERR_HASH_MISMATCH');
      const senderCode = resent.done.catch((error: { code?: string }) => error.code);
      expect(await settle(senderCode)).toBe('ERR_HASH_MISMATCH');
      expect(offered).toBe(false);
    });

    it('acknowledges at once a received file announced again (its ack was lost), not receiving it twice', async () => {
      const sending = newResume();
      const receiving = newResume();
      const [a1, b1] = await channelPair();
      const sender1 = messenger(a1, sending);
      const receiver1 = messenger(b1, receiving);
      let receivedCount = 0;
      const received = new Promise<void>((resolve) =>
        receiver1.on('file-received', () => {
          receivedCount += 1;
          // The connection dies with the ack still in the receiver's buffer.
          b1.close();
          resolve();
        }),
      );
      const outgoing = sender1.sendFile(new Blob([randomBytes(SIZE / 4)]));
      await settle(received);
      sender1.detach();
      receiver1.detach();
      expect(sending.outgoing.size).toBe(1);

      const [a2, b2] = await channelPair();
      const receiver2 = messenger(b2, receiving);
      receiver2.on('file-start', () => {
        receivedCount += 1;
      });
      messenger(a2, sending);
      await settle(outgoing.done);
      expect(receivedCount).toBe(1);
      expect(chunkBytes(a2)).toBe(0);
    });

    it('parks a transfer whose chunk the channel refuses while it still says open (libdatachannel), not failing it', async () => {
      const sending = newResume();
      const receiving = newResume();
      const [a1, b1] = await channelPair();
      const sender1 = messenger(a1, sending);
      const receiver1 = messenger(b1, receiving);
      const bytes = randomBytes(SIZE);
      const outgoing = sender1.sendFile(new Blob([bytes]));
      let failed: unknown;
      outgoing.done.catch((error: unknown) => {
        failed = error;
      });
      await settle(progressed(receiver1, SIZE / 4));
      // node-datachannel throws "Sending failed, errno=32" before its channel says closed.
      const refused = new Promise<void>((resolve) => {
        a1.send = () => {
          resolve();
          throw new Error('libdatachannel error while sending data channel message: errno=32');
        };
      });
      await settle(refused);
      await settle(Promise.resolve());
      const key = outgoing.file.key as string;
      expect(failed).toBeUndefined();
      expect(sending.outgoing.has(key)).toBe(true);
      a1.closeBoth();
      sender1.detach();
      receiver1.detach();

      const [a2, b2] = await channelPair();
      const receiver2 = messenger(b2, receiving);
      const received = new Promise<ReceivedFile>((resolve) =>
        receiver2.on('file-received', resolve),
      );
      messenger(a2, sending);
      const file = await settle(received);
      await settle(outgoing.done);
      expect(Buffer.from(await file.blob.arrayBuffer()).equals(bytes)).toBe(true);
    });

    it('rejects a parked transfer with ERR_CLOSED when the session ends', async () => {
      const sending = newResume();
      const receiving = newResume();
      const [a1, b1] = await channelPair();
      const sender1 = messenger(a1, sending);
      const receiver1 = messenger(b1, receiving);
      const outgoing = sender1.sendFile(new Blob([randomBytes(SIZE)]));
      await settle(progressed(receiver1, SIZE / 4));
      a1.close();
      sender1.detach();
      receiver1.detach();
      const parkedFailure = new Promise<string>((resolve) =>
        receiving.on('file-failed', ({ error }) => resolve(error.code)),
      );
      sending.close();
      receiving.close();
      const code = outgoing.done.catch((error: { code?: string }) => error.code);
      expect(await settle(code)).toBe('ERR_CLOSED');
      expect(await settle(parkedFailure)).toBe('ERR_CLOSED');
    });

    it('ends the session and cancels a parked file even when the store throws at once on remove', async () => {
      const store: ReceivedBytesStore = {
        ...memoryStore(),
        remove: () => {
          throw new Error('the disk is gone');
        },
      };
      const sending = newResume();
      const receiving = newResume({ store });
      const [a1, b1] = await channelPair();
      const sender1 = messenger(a1, sending);
      const receiver1 = messenger(b1, receiving);
      const first = sender1.sendFile(new Blob([randomBytes(SIZE)]));
      const second = sender1.sendFile(new Blob([randomBytes(SIZE)]));
      await settle(progressed(receiver1, SIZE / 4));
      a1.close();
      sender1.detach();
      receiver1.detach();
      const failed: string[] = [];
      receiving.on('file-failed', ({ file, error }) => failed.push(`${file.key} ${error.code}`));
      const [firstKey, secondKey] = [first.file.key, second.file.key];
      receiving.cancelIncoming(firstKey as string);
      expect(failed).toEqual([`${firstKey} ERR_CANCELLED`]);
      receiving.close();
      expect(failed).toEqual([`${firstKey} ERR_CANCELLED`, `${secondKey} ERR_CLOSED`]);
      expect(receiving.incoming.size).toBe(0);
      sending.close();
    });
  },
);

describe('FileResume.resend', () => {
  it('refuses a key already waiting to be sent, and takes it again once that one is cancelled', async () => {
    const sending = new FileResume();
    const first = sending.resend(new Blob([randomBytes(1024)]), 'photo-1');
    expect(() => sending.resend(new Blob([randomBytes(1024)]), 'photo-1')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    first.cancel();
    const code = first.done.catch((error: { code?: string }) => error.code);
    expect(await code).toBe('ERR_CANCELLED');
    const again = sending.resend(new Blob([randomBytes(1024)]), 'photo-1');
    expect(again.file.key).toBe('photo-1');
    sending.close();
    await again.done.catch(() => {});
  });
});

describe('a messenger detached before its channel opened', () => {
  it('keeps the parked transfers with the current messenger when its channel opens late', async () => {
    const resume = new FileResume();
    // A messenger made on a connection that was given up before its channel opened.
    const late = new FakeDataChannel('chat', true, 1);
    createMessenger(late as unknown as RTCDataChannel, { resume }).detach();
    const [a] = await channelPair();
    messenger(a, resume);
    const current = resume.onParked;
    expect(current).toBeDefined();
    late.markOpen();
    expect(resume.onParked).toBe(current);
  });
});
