import { afterEach, describe, expect, it, vi } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import { closeConnection, FAILED_GRACE_MS, openConnection } from '../src/core/connection.ts';
import { MDNS_RETRIES, MDNS_RETRY_MS, mdnsCandidates } from '../src/core/mdns-retry.ts';

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

/** The other side's description as Firefox sends it: an mDNS host candidate and a raw one. */
const MDNS_NAME = '28470d27-0ed4-4867-86f0-576d813151f4.local';
const REMOTE_SDP = [
  'v=0',
  'o=- 1 1 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=mid:0',
  `a=candidate:0 1 UDP 2122252543 ${MDNS_NAME} 40000 typ host`,
  'a=candidate:1 1 UDP 1686052863 203.0.113.7 40000 typ srflx raddr 0.0.0.0 rport 0',
  `a=candidate:2 1 TCP 2105524479 ${MDNS_NAME} 9 typ host tcptype active`,
  '',
].join('\r\n');

/** A connection whose ICE can stay `new`, recording the candidates it is given. */
class UnresolvedConnection extends ScriptedConnection {
  iceConnectionState: RTCIceConnectionState = 'new';
  signalingState: RTCSignalingState = 'stable';
  added: RTCIceCandidateInit[] = [];
  override remoteDescription: RTCSessionDescriptionInit | null = {
    type: 'answer',
    sdp: REMOTE_SDP,
  };

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    this.added.push(candidate);
  }
}

describe("openConnection: the other side's mDNS names, asked again", () => {
  it('gives the .local candidates again while ICE stays new, MDNS_RETRIES times', async () => {
    vi.useFakeTimers();
    const pc = new UnresolvedConnection();
    waitOn(pc).catch(() => {});
    await vi.advanceTimersByTimeAsync(MDNS_RETRY_MS - 1);
    expect(pc.added).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const once = [
      {
        candidate: `candidate:0 1 UDP 2122252543 ${MDNS_NAME} 40000 typ host`,
        sdpMLineIndex: 0,
        sdpMid: '0',
      },
      {
        candidate: `candidate:2 1 TCP 2105524479 ${MDNS_NAME} 9 typ host tcptype active`,
        sdpMLineIndex: 0,
        sdpMid: '0',
      },
    ];
    expect(pc.added).toEqual(once);
    await vi.advanceTimersByTimeAsync(MDNS_RETRY_MS * 10);
    expect(pc.added).toEqual(Array.from({ length: MDNS_RETRIES }, () => once).flat());
  });

  it('gives nothing again once a check has started, or when no candidate is an mDNS name', async () => {
    vi.useFakeTimers();
    const checking = new UnresolvedConnection();
    waitOn(checking).catch(() => {});
    checking.iceConnectionState = 'checking';
    const raw = new UnresolvedConnection();
    raw.remoteDescription = { type: 'answer', sdp: REMOTE_SDP.replaceAll(MDNS_NAME, '10.77.0.1') };
    waitOn(raw).catch(() => {});
    await vi.advanceTimersByTimeAsync(MDNS_RETRY_MS * 10);
    expect(checking.added).toEqual([]);
    expect(raw.added).toEqual([]);
  });

  it('stops once the connection is closed', async () => {
    vi.useFakeTimers();
    const pc = new UnresolvedConnection();
    waitOn(pc).catch(() => {});
    closeConnection(pc as unknown as RTCPeerConnection);
    await vi.advanceTimersByTimeAsync(MDNS_RETRY_MS * 10);
    expect(pc.added).toEqual([]);
  });

  it('reads each candidate with its media section', () => {
    const sdp = `${REMOTE_SDP}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:3 1 udp 1 b.local 1 typ host\r\n`;
    expect(mdnsCandidates(sdp).map(({ sdpMLineIndex, sdpMid }) => [sdpMLineIndex, sdpMid])).toEqual(
      [
        [0, '0'],
        [0, '0'],
        [1, undefined],
      ],
    );
  });
});
