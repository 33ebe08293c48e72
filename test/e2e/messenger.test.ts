// The messenger between two real node-datachannel peers: chat text, files of several MiB with
// back-pressure and progress, and a peer that breaks the wire protocol.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectError,
  createMessenger,
  type Messenger,
  type MessengerEvents,
} from 'webrtc-connect';
import { type ChannelPair, openChannelPair } from '../harness/channel-pair.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { nextEvent } from '../support/next-event.ts';

let pairs: ChannelPair[] = [];

beforeAll(() => assertPrivateNetns());

afterEach(() => {
  for (const pair of pairs) pair.close();
  pairs = [];
});

async function pair(init: RTCDataChannelInit = {}): Promise<ChannelPair> {
  const opened = await openChannelPair(init);
  pairs.push(opened);
  return opened;
}

/** The first `type` event of `messenger` that satisfies `accept`. */
const next = <K extends keyof MessengerEvents>(
  messenger: Messenger,
  type: K,
  accept?: (event: MessengerEvents[K]) => boolean,
) => nextEvent<MessengerEvents, K>(messenger, type, accept);

function collect<K extends keyof MessengerEvents>(messenger: Messenger, type: K) {
  const events: Array<MessengerEvents[K]> = [];
  messenger.on(type, (event) => events.push(event));
  return events;
}

async function bytesOf(blob: Blob): Promise<Buffer> {
  return Buffer.from(await blob.arrayBuffer());
}

function isAscending(values: number[]): boolean {
  return values.every((value, index) => index === 0 || value > (values[index - 1] ?? 0));
}

describe('the messenger between two node-datachannel peers', () => {
  it('carries chat text both ways, in order, Unicode intact', async () => {
    const { a, b } = await pair();
    const alice = createMessenger(a);
    const bob = createMessenger(b);
    const atBob = collect(bob, 'text');
    const texts = ['hello', 'grüße 👋 — 你好', ...Array.from({ length: 50 }, (_, i) => `#${i}`)];
    const last = next(bob, 'text', (text) => text === '#49');
    for (const text of texts) alice.sendText(text);
    await last;
    expect(atBob).toEqual(texts);

    const reply = next(alice, 'text');
    bob.sendText('and back');
    expect(await reply).toBe('and back');
  });

  it('sends a file of several MiB byte for byte, with progress on both sides and the buffer kept under its high-water mark', async () => {
    const { a, b } = await pair();
    const chunkSize = 64 * 1024;
    const highWaterMark = 512 * 1024;
    const alice = createMessenger(a, { chunkSize, highWaterMark });
    const bob = createMessenger(b);
    const content = randomBytes(5 * 1024 * 1024 + 123); // not a multiple of the chunk size
    const started = next(bob, 'file-start');
    const received = next(bob, 'file-received');
    const receiverProgress = collect(bob, 'file-progress');
    const senderProgress: number[] = [];
    let mostBuffered = 0;

    const outgoing = alice.sendFile(new Blob([content], { type: 'application/octet-stream' }), {
      name: 'random.bin',
      onProgress: (bytes) => {
        senderProgress.push(bytes);
        mostBuffered = Math.max(mostBuffered, a.bufferedAmount);
      },
    });
    expect(await started).toEqual({
      id: outgoing.file.id,
      name: 'random.bin',
      size: content.length,
      type: 'application/octet-stream',
    });
    const file = await received;
    await outgoing.done;

    expect(file.name).toBe('random.bin');
    expect(file.blob.size).toBe(content.length);
    expect((await bytesOf(file.blob)).equals(content)).toBe(true);
    expect(isAscending(senderProgress)).toBe(true);
    expect(senderProgress.at(-1)).toBe(content.length);
    const receiverBytes = receiverProgress.map((event) => event.bytes);
    expect(isAscending(receiverBytes)).toBe(true);
    expect(receiverBytes.at(-1)).toBe(content.length);
    expect(mostBuffered).toBeGreaterThan(0);
    // Without back-pressure most of the file sits in the buffer at once (3 MiB and more here).
    // node-datachannel counts bufferedAmount on its own thread, so it may lag a few chunks
    // behind the sends: the bound leaves room for that.
    expect(mostBuffered).toBeLessThanOrEqual(2 * highWaterMark);
  });

  it('sends several files at once, an empty one among them, with chat in between', async () => {
    const { a, b } = await pair();
    const alice = createMessenger(a);
    const bob = createMessenger(b);
    const contents = [randomBytes(300_000), Buffer.alloc(0), randomBytes(1_000_001)];
    const received = collect(bob, 'file-received');
    const all = new Promise<void>((resolve) =>
      bob.on('file-received', () => received.length === contents.length && resolve()),
    );
    const text = next(bob, 'text');
    const outgoing = contents.map((content, i) =>
      alice.sendFile(new Blob([content]), { name: `file-${i}` }),
    );
    alice.sendText('files on their way');
    expect(await text).toBe('files on their way');
    await all;
    await Promise.all(outgoing.map((file) => file.done));
    for (const [i, content] of contents.entries()) {
      const file = received.find((event) => event.name === `file-${i}`);
      expect(file?.size).toBe(content.length);
      expect(file && (await bytesOf(file.blob)).equals(content)).toBe(true);
    }
  });

  it('reports what a misbehaving peer sends as errors, and goes on', async () => {
    const { a, b } = await pair();
    const alice = createMessenger(a);
    const errors = collect(alice, 'error');
    const wrong: Array<string | Uint8Array<ArrayBuffer>> = [
      'not json',
      '[1, 2]',
      '{"t":"nope"}',
      '{"t":"text"}',
      '{"t":"file","id":-1,"name":"x","size":1,"type":""}',
      '{"t":"file","id":1,"name":"x","size":1.5,"type":""}',
      '{"t":"end","id":5}',
      '{"t":"ack","id":7}',
      new Uint8Array([1, 2]),
      new Uint8Array([0, 0, 0, 99, 1, 2, 3]),
    ];
    for (const message of wrong) {
      if (typeof message === 'string') b.send(message);
      else b.send(message);
    }
    const text = next(alice, 'text');
    b.send('{"t":"text","text":"still here"}');
    expect(await text).toBe('still here');
    expect(errors.map((error) => error.code)).toEqual(wrong.map(() => 'ERR_PEER_PROTOCOL'));
  });

  it('fails a file that ends short or runs long, and tells the sender', async () => {
    const { a, b } = await pair();
    const alice = createMessenger(a);
    const failed = collect(alice, 'file-failed');
    const replies: unknown[] = [];
    const twoReplies = new Promise<void>((resolve) =>
      b.addEventListener('message', (event) => {
        replies.push(JSON.parse(String(event.data)));
        if (replies.length === 2) resolve();
      }),
    );
    const chunk = (id: number, length: number) => {
      const frame = new Uint8Array(4 + length);
      new DataView(frame.buffer).setUint32(0, id);
      return frame;
    };
    b.send('{"t":"file","id":10,"name":"short","size":10,"type":""}');
    b.send(chunk(10, 5));
    b.send('{"t":"end","id":10}');
    b.send('{"t":"file","id":11,"name":"long","size":3,"type":""}');
    b.send(chunk(11, 5));
    b.send(chunk(11, 5)); // after the refusal: dropped without another error
    await twoReplies;
    expect(failed.map(({ file, error }) => [file.name, error.code])).toEqual([
      ['short', 'ERR_PEER_PROTOCOL'],
      ['long', 'ERR_PEER_PROTOCOL'],
    ]);
    expect(replies).toEqual([
      expect.objectContaining({ t: 'reject', id: 10 }),
      expect.objectContaining({ t: 'reject', id: 11 }),
    ]);
  });

  it('lets either side cancel a file, and the other side learns it', async () => {
    const { a, b } = await pair();
    const alice = createMessenger(a, { highWaterMark: 256 * 1024 });
    const bob = createMessenger(b);

    const refused = alice.sendFile(new Blob([randomBytes(8 * 1024 * 1024)]), { name: 'big' });
    const firstBytes = await next(bob, 'file-progress');
    bob.cancelReceive(firstBytes.file.id);
    await expect(refused.done).rejects.toMatchObject({ code: 'ERR_CANCELLED' });

    const failed = next(bob, 'file-failed');
    const abandoned = alice.sendFile(new Blob([randomBytes(8 * 1024 * 1024)]), { name: 'other' });
    await next(bob, 'file-progress', (event) => event.file.id === abandoned.file.id);
    abandoned.cancel('changed my mind');
    const { file, error } = await failed;
    expect(file.name).toBe('other');
    expect(error.code).toBe('ERR_CANCELLED');
    expect(error.message).toContain('changed my mind');
    await expect(abandoned.done).rejects.toMatchObject({ code: 'ERR_CANCELLED' });

    const text = next(bob, 'text');
    alice.sendText('still talking');
    expect(await text).toBe('still talking');
  });

  it('fails transfers on both sides with ERR_CLOSED when the channel closes mid-file', async () => {
    const { a, b } = await pair();
    const alice = createMessenger(a, { highWaterMark: 256 * 1024 });
    const bob = createMessenger(b);
    const failed = next(bob, 'file-failed');
    const closed = next(bob, 'close');
    const outgoing = alice.sendFile(new Blob([randomBytes(16 * 1024 * 1024)]), { name: 'cut' });
    await next(bob, 'file-progress');
    a.close();
    await expect(outgoing.done).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    const { error }: { error: ConnectError } = await failed;
    expect(error.code).toBe('ERR_CLOSED');
    await closed;
    expect(() => alice.sendText('too late')).toThrow(
      expect.objectContaining({ code: 'ERR_CLOSED' }),
    );
  });

  it('refuses an unordered channel and a text too long for one message', async () => {
    const { a } = await pair();
    const messenger = createMessenger(a);
    expect(() => messenger.sendText('x'.repeat(70_000))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    const unordered = await pair({ ordered: false });
    expect(() => createMessenger(unordered.a)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it("tells each side the other's name before its first message, and each rename", async () => {
    const { a, b } = await pair();
    // Bob's side is made after Alice has sent: her hello and text wait in order in the channel.
    const alice = createMessenger(a, { name: 'Alice’s laptop' });
    alice.sendText('first');
    const bob = createMessenger(b, { name: 'Bob' });
    const namedWhenText = new Promise<string | undefined>((resolve) => {
      bob.on('text', () => resolve(bob.peerName));
    });
    expect(await namedWhenText).toBe('Alice’s laptop');
    if (alice.peerName === undefined) await next(alice, 'name');
    expect(alice.peerName).toBe('Bob');

    // Alice answered Bob's hello with her name, so a name event may come before the rename.
    const renamed = new Promise<string>((resolve) =>
      bob.on('name', (name) => {
        if (name === 'Alice at work') resolve(name);
      }),
    );
    alice.setName('Alice at work');
    expect(await renamed).toBe('Alice at work');
    expect(bob.peerName).toBe('Alice at work');

    expect(() => alice.setName('x'.repeat(257))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => createMessenger(a, { name: 7 as unknown as string })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('sends no hello without a name, and refuses a name too long from the peer', async () => {
    const { a, b } = await pair();
    const alice = createMessenger(a);
    const received: string[] = [];
    b.addEventListener('message', (event: MessageEvent) => received.push(String(event.data)));
    const errors = collect(alice, 'error');
    b.send(JSON.stringify({ t: 'hello', name: 'x'.repeat(300) }));
    b.send(JSON.stringify({ t: 'name' }));
    const text = next(alice, 'text');
    b.send('{"t":"text","text":"still here"}');
    expect(await text).toBe('still here');
    expect(alice.peerName).toBeUndefined();
    expect(errors.map((error) => error.code)).toEqual(['ERR_PEER_PROTOCOL', 'ERR_PEER_PROTOCOL']);
    alice.sendText('over');
    await expect.poll(() => received).toEqual(['{"t":"text","text":"over"}']);
  });
});
