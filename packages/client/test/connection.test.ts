import { afterEach, describe, expect, it, vi } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import { closeConnection, FAILED_GRACE_MS, openConnection } from '../src/core/connection.ts';

/** Just what openConnection reads of a peer connection: its state and the state events. */
class ScriptedConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'connecting';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;

  /** The implementation moves to `state` by itself, as after an ICE or DTLS failure. */
  become(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }

  close(): void {
    this.become('closed');
  }
}

/** Two descriptions with a fingerprint each: what the short authentication string is made of. */
function fingerprinted() {
  const sdp = `v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 ${Array(32).fill('AB').join(':')}\r\n`;
  return {
    localDescription: { type: 'offer', sdp } as RTCSessionDescriptionInit,
    remoteDescription: { type: 'answer', sdp } as RTCSessionDescriptionInit,
  };
}

function waitOn(pc: ScriptedConnection, channel = new Promise<RTCDataChannel>(() => {})) {
  return openConnection(pc as unknown as RTCPeerConnection, channel, Promise.resolve(), 60_000);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('openConnection: how a connection that never opened ends', () => {
  it('fails with ERR_CONNECTION_FAILED when ICE or DTLS fails and stays failed', async () => {
    vi.useFakeTimers();
    const pc = new ScriptedConnection();
    const connected = waitOn(pc);
    const code = codeOf(connected);
    pc.become('failed');
    await vi.advanceTimersByTimeAsync(FAILED_GRACE_MS);
    expect(await code).toBe('ERR_CONNECTION_FAILED');
  });

  it('takes a `failed` that ICE recovers from as no failure: the channel still opens', async () => {
    vi.useFakeTimers();
    const pc = new ScriptedConnection();
    let open: (channel: RTCDataChannel) => void = () => {};
    const connected = waitOn(
      pc,
      new Promise((resolve) => {
        open = resolve;
      }),
    );
    let settled = '';
    connected.then(
      () => {
        settled = 'connected';
      },
      (error: { code?: string }) => {
        settled = error.code ?? 'error';
      },
    );
    // Chromium as A with a late answer: `failed` for about 2 ms, then `connected`.
    pc.become('failed');
    await vi.advanceTimersByTimeAsync(2);
    pc.become('connected');
    await vi.advanceTimersByTimeAsync(FAILED_GRACE_MS * 2);
    expect(settled).toBe('');
    // A second failure gets its own grace period.
    pc.become('failed');
    await vi.advanceTimersByTimeAsync(FAILED_GRACE_MS - 1);
    pc.become('connected');
    await vi.advanceTimersByTimeAsync(FAILED_GRACE_MS * 2);
    expect(settled).toBe('');
    const fingerprint = `v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 ${Array(32).fill('AB').join(':')}\r\n`;
    Object.assign(pc, {
      localDescription: { type: 'offer', sdp: fingerprint },
      remoteDescription: { type: 'answer', sdp: fingerprint },
    });
    open(new EventTarget() as RTCDataChannel);
    // The short authentication string is WebCrypto work, not a timer: wait for the promise.
    const connection = await connected;
    expect(connection.shortAuthenticationString).toMatch(/^\d{3} \d{3}$/);
    expect(settled).toBe('connected');
  });

  it('holds a message that comes after the open but before the answer is set, and gives it to the app', async () => {
    const pc = new ScriptedConnection();
    Object.assign(pc, fingerprinted());
    const channel = new EventTarget() as RTCDataChannel;
    let answerSet: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      answerSet = resolve;
    });
    const connected = openConnection(
      pc as unknown as RTCPeerConnection,
      Promise.resolve(channel),
      started,
      60_000,
    );
    // The channel opened (Chromium can open it before setRemoteDescription resolves); the other
    // side's first message comes in a task of its own, still before the answer is set.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    channel.dispatchEvent(new MessageEvent('message', { data: 'hello from B' }));
    answerSet();
    const connection = await connected;
    const first = new Promise<unknown>((resolve) =>
      connection.channel.addEventListener('message', (event) =>
        resolve((event as MessageEvent).data),
      ),
    );
    expect(await first).toBe('hello from B');
  });

  it('fails with ERR_CONNECTION_FAILED when the implementation closes it by itself', async () => {
    // libdatachannel closes a connection whose DTLS failed; the `failed` state may be gone by
    // the time its event is read.
    const pc = new ScriptedConnection();
    const connected = waitOn(pc);
    pc.become('closed');
    expect(await codeOf(connected)).toBe('ERR_CONNECTION_FAILED');
  });

  it('fails with ERR_CLOSED when the library closed it', async () => {
    const pc = new ScriptedConnection();
    const connected = waitOn(pc);
    closeConnection(pc as unknown as RTCPeerConnection);
    expect(await codeOf(connected)).toBe('ERR_CLOSED');
  });
});
