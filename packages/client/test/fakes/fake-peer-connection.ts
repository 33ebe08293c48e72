/**
 * An in-memory RTCPeerConnection for the fast tier: passed to the library through its
 * `RTCPeerConnection` option, it makes SDP the signal codec takes (so links, seals and short
 * authentication strings work as with a browser), and connects two of its instances once each
 * holds the other's description. Every delay is a timer, so vitest's fake timers run a whole
 * flow in milliseconds. What happens between two connections is scripted per pair.
 */
import { FakeDataChannel, linkChannels } from './fake-data-channel.ts';

/** One step of a pair's connection: its state after `afterMs` more milliseconds. */
export interface StateStep {
  state: RTCPeerConnectionState;
  afterMs: number;
}

export interface FakeNetworkOptions {
  /** Time from setLocalDescription to ICE gathering `complete` (default 20 ms). */
  gatherMs?: number;
  /** Time for a message to cross a data channel (default 1 ms). */
  latencyMs?: number;
  /**
   * A binary message larger than this, closely followed by another, is overtaken by it and
   * arrives cut short, as Firefox ESR 140 receives messages over about 66,000 bytes
   * (docs/decisions.md, "The account way's large messages: 64 KiB pieces"). Default: none.
   */
  cutsOver?: number;
  /**
   * What a pair does once both descriptions are in place, as steps of both connections'
   * state; channels open at `connected`. Default: `connecting`, then `connected` 30 ms later.
   * Called with the pair's index (0 for the first pair made).
   */
  plan?: (pair: number) => StateStep[];
  /** Never finish gathering (a dead STUN server): the library's cap must end the wait. */
  stallGathering?: boolean;
  /**
   * What the answering side sends on a channel announced in band is lost, silently, for this
   * long after the channel appears (Chromium 150; docs/decisions.md). Default 0.
   */
  answererLossMs?: number;
}

/** The pair connects: `connecting`, then `connected`. */
export function connects(afterMs = 30): StateStep[] {
  return [
    { state: 'connecting', afterMs: 0 },
    { state: 'connected', afterMs },
  ];
}

/** No network path: `connecting`, then `failed` for good. */
export function fails(afterMs = 30): StateStep[] {
  return [
    { state: 'connecting', afterMs: 0 },
    { state: 'failed', afterMs },
  ];
}

/** ICE reports `failed` for a moment and recovers (Chromium as A given a late answer). */
export function failsThenConnects(failedForMs = 2, afterMs = 30): StateStep[] {
  return [
    { state: 'connecting', afterMs: 0 },
    { state: 'failed', afterMs },
    { state: 'connected', afterMs: failedForMs },
  ];
}

/** Checks that never end (a peer that went away): the library's timeout must end the wait. */
export function hangs(): StateStep[] {
  return [{ state: 'connecting', afterMs: 0 }];
}

let counter = 0;

/** A fresh set of connections that can find each other, with its own scripts. */
export function createFakeNetwork(options: FakeNetworkOptions = {}) {
  const gatherMs = options.gatherMs ?? 20;
  const latencyMs = options.latencyMs ?? 1;
  const cutsOver = options.cutsOver ?? Infinity;
  const plan = options.plan ?? (() => connects());
  const byUfrag = new Map<string, FakePeerConnection>();
  const connections: FakePeerConnection[] = [];
  let pairs = 0;
  /** See `offline` below. */
  let offline = false;

  class FakePeerConnection extends EventTarget {
    readonly configuration: RTCConfiguration | undefined;
    readonly ufrag: string;
    readonly #pwd: string;
    readonly #fingerprint: string;
    readonly #port: number;
    localDescription: RTCSessionDescriptionInit | null = null;
    remoteDescription: RTCSessionDescriptionInit | null = null;
    signalingState: RTCSignalingState = 'stable';
    iceGatheringState: RTCIceGatheringState = 'new';
    connectionState: RTCPeerConnectionState = 'new';
    iceConnectionState: RTCIceConnectionState = 'new';
    /** Channels made here with createDataChannel, in order. */
    readonly channels: FakeDataChannel[] = [];
    /** Channels that reached this side through a `datachannel` event. */
    readonly remoteChannels: FakeDataChannel[] = [];
    readonly #timers = new Set<ReturnType<typeof setTimeout>>();
    #peer: FakePeerConnection | undefined;
    #gathered = false;

    constructor(configuration?: RTCConfiguration) {
      super();
      counter += 1;
      this.configuration = configuration;
      this.ufrag = randomText(4);
      this.#pwd = randomText(24);
      this.#fingerprint = Array.from(crypto.getRandomValues(new Uint8Array(32)), (byte) =>
        byte.toString(16).toUpperCase().padStart(2, '0'),
      ).join(':');
      this.#port = 40_000 + (counter % 20_000);
      byUfrag.set(this.ufrag, this);
      connections.push(this);
    }

    createDataChannel(label: string, init: RTCDataChannelInit = {}): FakeDataChannel {
      const channel = new FakeDataChannel(label, init.ordered ?? true, latencyMs, cutsOver);
      if (init.negotiated && init.id !== undefined) {
        // Both sides make it, under the same id; it opens once both have and the pair connects.
        this.negotiated.set(init.id, channel);
        FakePeerConnection.pairNegotiated(this);
      } else this.channels.push(channel);
      return channel;
    }

    /** Negotiated channels (both sides make them) by id. */
    readonly negotiated = new Map<number, FakeDataChannel>();

    static pairNegotiated(pc: FakePeerConnection): void {
      const peer = pc.#peer;
      if (!peer || pc.connectionState !== 'connected' || peer.connectionState !== 'connected') {
        return;
      }
      for (const [id, channel] of pc.negotiated) {
        const remote = peer.negotiated.get(id);
        if (!remote || channel.readyState !== 'connecting' || remote.readyState !== 'connecting')
          continue;
        linkChannels(channel, remote);
        channel.markOpen();
        remote.markOpen();
      }
    }

    async createOffer(): Promise<RTCSessionDescriptionInit> {
      this.#check();
      // An ICE restart's offer (after the first gathering) names the candidate gathered then.
      return { type: 'offer', sdp: this.#sdp('offer', this.#gathered) };
    }

    async createAnswer(): Promise<RTCSessionDescriptionInit> {
      this.#check();
      if (!this.remoteDescription) throw new DOMException('no remote offer', 'InvalidStateError');
      return { type: 'answer', sdp: this.#sdp('answer', this.#gathered) };
    }

    async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
      this.#check();
      this.localDescription = { type: description.type, sdp: description.sdp ?? '' };
      this.signalingState = description.type === 'offer' ? 'have-local-offer' : 'stable';
      this.dispatchEvent(new Event('signalingstatechange'));
      if (this.iceGatheringState === 'new') this.#gather();
      this.#tryToConnect();
    }

    async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
      this.#check();
      const sdp = description.sdp ?? '';
      if (!/a=ice-ufrag:/.test(sdp)) throw new DOMException('not a session', 'OperationError');
      this.remoteDescription = { type: description.type, sdp };
      this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
      this.dispatchEvent(new Event('signalingstatechange'));
      this.#tryToConnect();
    }

    async addIceCandidate(_candidate?: RTCIceCandidateInit): Promise<void> {
      this.#check();
    }

    close(): void {
      if (this.connectionState === 'closed') return;
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      // Like a browser: no state event for a close of one's own.
      this.connectionState = 'closed';
      this.iceConnectionState = 'closed';
      this.signalingState = 'closed';
      for (const channel of [...this.channels, ...this.remoteChannels, ...this.negotiated.values()])
        channel.closeBoth();
    }

    /** The implementation moves to `state` by itself (a network change, a crash). */
    become(state: RTCPeerConnectionState): void {
      this.#setState(state);
      if (state === 'closed') {
        for (const channel of [
          ...this.channels,
          ...this.remoteChannels,
          ...this.negotiated.values(),
        ])
          channel.closeBoth();
      }
    }

    #check(): void {
      if (this.connectionState === 'closed')
        throw new DOMException('the connection is closed', 'InvalidStateError');
    }

    #later(ms: number, run: () => void): void {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        run();
      }, ms);
      this.#timers.add(timer);
    }

    #gather(): void {
      this.iceGatheringState = 'gathering';
      this.dispatchEvent(new Event('icegatheringstatechange'));
      if (options.stallGathering) return;
      this.#later(gatherMs, () => {
        this.#gathered = true;
        const type = this.localDescription?.type === 'answer' ? 'answer' : 'offer';
        this.localDescription = { type, sdp: this.#sdp(type, true) };
        this.dispatchEvent(
          Object.assign(new Event('icecandidate'), {
            candidate: {
              candidate: this.#candidate(),
              sdpMid: '0',
              sdpMLineIndex: 0,
            },
          }),
        );
        this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: null }));
        this.iceGatheringState = 'complete';
        this.dispatchEvent(new Event('icegatheringstatechange'));
      });
    }

    /** Both sides hold each other's description: the pair runs its plan. */
    #tryToConnect(): void {
      const remote = this.remoteDescription?.sdp;
      if (!remote || !this.localDescription || this.#peer) return;
      const peer = byUfrag.get(ufragOf(remote));
      if (!peer || peer === this || peer.connectionState === 'closed') return;
      const back = peer.remoteDescription?.sdp;
      if (!back || !peer.localDescription || ufragOf(back) !== this.ufrag) return;
      this.#peer = peer;
      peer.#peer = this;
      const offerer = this.localDescription.type === 'offer' ? this : peer;
      runPlan(offerer, offerer === this ? peer : this, plan(pairs++));
    }

    /** Steps the pair through its plan; the offerer's timers carry it. */
    static run(offerer: FakePeerConnection, answerer: FakePeerConnection, steps: StateStep[]) {
      let delay = 0;
      for (const step of steps) {
        delay += step.afterMs;
        offerer.#later(delay, () => {
          if (answerer.connectionState === 'closed') return;
          offerer.#setState(step.state);
          answerer.#setState(step.state);
          if (step.state === 'connected') {
            openChannels(offerer, answerer);
            FakePeerConnection.pairNegotiated(offerer);
          }
        });
      }
    }

    #setState(state: RTCPeerConnectionState): void {
      if (this.connectionState === 'closed' || this.connectionState === state) return;
      this.connectionState = state;
      this.iceConnectionState = state === 'connecting' ? 'checking' : state;
      this.dispatchEvent(new Event('iceconnectionstatechange'));
      this.dispatchEvent(new Event('connectionstatechange'));
    }

    static open(offerer: FakePeerConnection, answerer: FakePeerConnection) {
      for (const channel of offerer.channels) {
        if (channel.readyState !== 'connecting') continue;
        const remote = new FakeDataChannel(channel.label, channel.ordered, latencyMs, cutsOver);
        linkChannels(channel, remote);
        answerer.remoteChannels.push(remote);
        remote.readyState = 'open';
        remote.losesUntil = Date.now() + (options.answererLossMs ?? 0);
        answerer.dispatchEvent(Object.assign(new Event('datachannel'), { channel: remote }));
        channel.markOpen();
      }
    }

    #candidate(): string {
      return `candidate:1 1 udp 2122260223 10.0.0.1 ${this.#port} typ host generation 0`;
    }

    #sdp(type: 'offer' | 'answer', withCandidate: boolean): string {
      const lines = [
        'v=0',
        `o=- ${1000 + counter} 2 IN IP4 127.0.0.1`,
        's=-',
        't=0 0',
        'a=group:BUNDLE 0',
        'a=msid-semantic: WMS',
        'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
        'c=IN IP4 0.0.0.0',
        ...(withCandidate && this.#gathered && !offline ? [`a=${this.#candidate()}`] : []),
        `a=ice-ufrag:${this.ufrag}`,
        `a=ice-pwd:${this.#pwd}`,
        'a=ice-options:trickle',
        `a=fingerprint:sha-256 ${this.#fingerprint}`,
        `a=setup:${type === 'offer' ? 'actpass' : 'active'}`,
        'a=mid:0',
        'a=sctp-port:5000',
        'a=max-message-size:262144',
      ];
      return `${lines.join('\r\n')}\r\n`;
    }
  }

  const runPlan = (a: FakePeerConnection, b: FakePeerConnection, steps: StateStep[]) =>
    FakePeerConnection.run(a, b, steps);
  const openChannels = (a: FakePeerConnection, b: FakePeerConnection) =>
    FakePeerConnection.open(a, b);

  return {
    /** Pass as the library's `RTCPeerConnection` option. */
    RTCPeerConnection: FakePeerConnection as unknown as typeof RTCPeerConnection,
    /** Every connection made so far, in order. */
    connections: connections as readonly FakePeerConnection[],
    /** Set while the device is between two networks: descriptions made then carry no candidate. */
    get offline(): boolean {
      return offline;
    },
    set offline(value: boolean) {
      offline = value;
    },
  };
}

export type FakeNetwork = ReturnType<typeof createFakeNetwork>;
export type FakePeerConnection = FakeNetwork['connections'][number];

function ufragOf(sdp: string): string {
  return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? '';
}

const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomText(length: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(length)),
    (byte) => ICE_CHARS[byte % 64],
  ).join('');
}
