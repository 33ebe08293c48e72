import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat, UNANSWERED_LIMIT } from '../src/resume/resume-heartbeat.ts';
import { FakeDataChannel, linkChannels } from './fakes/fake-data-channel.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Two open ends of a channel (1 ms apart), as the resume channel of a connection. */
function openPair(): [FakeDataChannel, FakeDataChannel] {
  const a = new FakeDataChannel('webrtc-connect-resume', true, 1);
  const b = new FakeDataChannel('webrtc-connect-resume', true, 1);
  linkChannels(a, b);
  a.markOpen();
  b.markOpen();
  return [a, b];
}

/** A heartbeat on `channel` that notes what it told. */
function watch(channel: FakeDataChannel) {
  const told: string[] = [];
  const beat = new Heartbeat(
    channel as unknown as RTCDataChannel,
    () => told.push('silent'),
    () => told.push('heard again'),
  );
  return { beat, told };
}

describe('the resume channel heartbeat', () => {
  it('tells a path that carries one way only, though the channel stays open, and its return', async () => {
    const [a, b] = openPair();
    const atA = watch(a);
    const atB = watch(b);
    await vi.advanceTimersByTimeAsync(3000);
    expect([atA.told, atB.told]).toEqual([[], []]);

    // Nothing from B reaches A any more (A's network changed; A's ICE may still say connected).
    b.holding = true;
    await vi.advanceTimersByTimeAsync((UNANSWERED_LIMIT + 1) * 1000);
    expect(atA.beat.silent).toBe(true);
    expect(atA.told).toEqual(['silent']);
    // B's asks reach nobody either, so B's side goes silent as well.
    expect(atB.told).toEqual(['silent']);

    b.release();
    await vi.advanceTimersByTimeAsync(2000);
    expect(atA.told).toEqual(['silent', 'heard again']);
    expect(atA.beat.silent).toBe(false);
    atA.beat.stop();
    atB.beat.stop();
  });

  it('never calls a peer silent that has never answered (one without heartbeats)', async () => {
    const [a] = openPair();
    const atA = watch(a);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(atA.told).toEqual([]);
    expect(atA.beat.silent).toBe(false);
    atA.beat.stop();
  });

  it('stops asking once stopped', async () => {
    const [a, b] = openPair();
    const atA = watch(a);
    const atB = watch(b);
    await vi.advanceTimersByTimeAsync(2000);
    atA.beat.stop();
    atB.beat.stop();
    const sent = a.sent.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(a.sent.length).toBe(sent);
  });
});
