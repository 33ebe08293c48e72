import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMessenger, type ReceivedFile } from 'webrtc-connect';
import { fakeChannelPair as channelPair } from './fakes/fake-channel-pair.ts';
import { settle, useFakeClock } from './fakes/fake-clock.ts';

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

describe('messenger over a fake channel pair', () => {
  it('streams a file larger than the buffer without ever holding more than the mark plus a chunk', async () => {
    const [a, b] = await channelPair();
    const chunkSize = 16 * 1024;
    const highWaterMark = 64 * 1024;
    const sender = createMessenger(a as unknown as RTCDataChannel, { chunkSize, highWaterMark });
    const receiver = createMessenger(b as unknown as RTCDataChannel, { chunkSize, highWaterMark });
    let most = 0;
    const send = a.send.bind(a);
    a.send = (data) => {
      send(data);
      most = Math.max(most, a.bufferedAmount);
    };
    const bytes = new Uint8Array(1024 * 1024).map((_, n) => n % 251);
    const received = new Promise<ReceivedFile>((resolve) => receiver.on('file-received', resolve));
    const outgoing = sender.sendFile(new Blob([bytes]), { name: 'one-mebibyte.bin' });
    const file = await settle(received);
    await settle(outgoing.done);
    // Compared as a Buffer: a deep equality over a million elements takes seconds.
    expect(Buffer.from(await file.blob.arrayBuffer()).equals(bytes)).toBe(true);
    expect(most).toBeGreaterThan(highWaterMark / 2);
    expect(most).toBeLessThanOrEqual(highWaterMark + chunkSize + 64);
  });

  it("learns the peer's name even when the peer's hello came before it was listening", async () => {
    const [a, b] = await channelPair();
    // A's hello crosses while B's app has no messenger yet: nobody hears it.
    const early = createMessenger(a as unknown as RTCDataChannel, { name: 'Ada laptop' });
    await settle(Promise.resolve());
    await vi.advanceTimersByTimeAsync(10);
    const late = createMessenger(b as unknown as RTCDataChannel, { name: 'Bo phone' });
    const named = new Promise<string>((resolve) => late.on('name', resolve));
    expect(await settle(named)).toBe('Ada laptop');
    expect(late.peerName).toBe('Ada laptop');
    expect(early.peerName).toBe('Bo phone');
  });

  it('fails a transfer in flight with ERR_CLOSED when the channel closes', async () => {
    const [a, b] = await channelPair();
    const sender = createMessenger(a as unknown as RTCDataChannel, {
      chunkSize: 16 * 1024,
      highWaterMark: 32 * 1024,
    });
    createMessenger(b as unknown as RTCDataChannel);
    a.holding = true;
    const outgoing = sender.sendFile(new Blob([new Uint8Array(256 * 1024)]));
    const failed = outgoing.done.catch((error: { code?: string }) => error.code);
    await vi.advanceTimersByTimeAsync(10);
    a.close();
    expect(await settle(failed)).toBe('ERR_CLOSED');
  });
});
