// The account way's peer link asks again for the other side's mDNS names while ICE stays `new`
// (core/mdns-retry.ts): Chromium asks once for such a name and drops the candidate unanswered.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPeerLink } from '../src/account/peer-link.ts';
import { MDNS_LOOKS, MDNS_RETRIES, MDNS_RETRY_MS } from '../src/core/mdns-retry.ts';

const MDNS_NAME = '01ed3658-7cac-4565-a773-a2e59a8f63bf.local';
const host = `candidate:0 1 UDP 2122252543 ${MDNS_NAME} 40000 typ host`;
const OFFER = [
  'v=0',
  'o=- 1 1 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=mid:0',
  '',
].join('\r\n');

/** Just what a peer link uses of a connection whose ICE never starts; records the candidates. */
class UnresolvedConnection extends EventTarget {
  static made: UnresolvedConnection[] = [];
  connectionState: RTCPeerConnectionState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  signalingState: RTCSignalingState = 'stable';
  remoteDescription: RTCSessionDescriptionInit | null = null;
  added: RTCIceCandidateInit[] = [];

  constructor() {
    super();
    UnresolvedConnection.made.push(this);
  }
  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.remoteDescription = description;
  }
  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'answer', sdp: OFFER };
  }
  async setLocalDescription(): Promise<void> {}
  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    this.added.push(candidate);
    // The candidate trickled in: the remote description now names it, as in browsers.
    if (this.remoteDescription && this.added.length === 1) {
      this.remoteDescription = {
        type: this.remoteDescription.type,
        sdp: `${this.remoteDescription.sdp}a=${candidate.candidate}\r\n`,
      };
    }
  }
  close(): void {
    this.signalingState = 'closed';
  }
}

afterEach(() => {
  vi.useRealTimers();
  UnresolvedConnection.made.length = 0;
});

const link = () =>
  createPeerLink(
    { RTCPeerConnection: UnresolvedConnection as unknown as typeof RTCPeerConnection },
    'device',
    { offer: false, id: 'link-1' },
    { signal() {}, open() {}, frame() {}, closed() {}, error() {} },
  );

describe("peer link: the other side's mDNS names, asked again", () => {
  it('gives a trickled .local candidate again while ICE stays new', async () => {
    vi.useFakeTimers();
    const peer = link();
    peer.signal({ sdp: { type: 'offer', sdp: OFFER } });
    peer.signal({ candidate: { candidate: host, sdpMid: '0', sdpMLineIndex: 0 } });
    await vi.advanceTimersByTimeAsync(0);
    const [pc] = UnresolvedConnection.made;
    expect(pc?.added).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(MDNS_RETRY_MS * 10);
    expect(pc?.added.map(({ candidate }) => candidate)).toEqual(
      Array.from({ length: 1 + MDNS_RETRIES }, () => host),
    );
    peer.close();
  });

  it('gives a .local candidate that trickled in after the first look again', async () => {
    vi.useFakeTimers();
    const peer = link();
    peer.signal({ sdp: { type: 'offer', sdp: OFFER } });
    await vi.advanceTimersByTimeAsync(MDNS_RETRY_MS);
    const [pc] = UnresolvedConnection.made;
    expect(pc?.added).toHaveLength(0);
    // The server carried the candidate slowly: it comes after the first look found none.
    peer.signal({ candidate: { candidate: host, sdpMid: '0', sdpMLineIndex: 0 } });
    await vi.advanceTimersByTimeAsync(MDNS_RETRY_MS * 10);
    expect(pc?.added.map(({ candidate }) => candidate)).toEqual(
      Array.from({ length: 1 + MDNS_RETRIES }, () => host),
    );
    peer.close();
  });

  it('stops looking after a few looks when no .local candidate comes', async () => {
    vi.useFakeTimers();
    const peer = link();
    peer.signal({ sdp: { type: 'offer', sdp: OFFER } });
    await vi.advanceTimersByTimeAsync(MDNS_RETRY_MS * MDNS_LOOKS);
    expect(vi.getTimerCount()).toBe(0);
    peer.close();
  });

  it('asks nothing again once closed', async () => {
    vi.useFakeTimers();
    const peer = link();
    peer.signal({ sdp: { type: 'offer', sdp: OFFER } });
    peer.signal({ candidate: { candidate: host, sdpMid: '0', sdpMLineIndex: 0 } });
    await vi.advanceTimersByTimeAsync(0);
    peer.close();
    await vi.advanceTimersByTimeAsync(MDNS_RETRY_MS * 10);
    expect(UnresolvedConnection.made[0]?.added).toHaveLength(1);
  });
});
