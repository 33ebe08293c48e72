/** Plain data only: the Chromium harness sends it into pages as JSON. */
export interface PeerSessionConfig {
  iceServers: RTCIceServer[];
  /** Stop waiting for ICE gathering after this long and use what was gathered (non-trickle). */
  gatherTimeoutMs: number;
}

/** One side of a non-trickle data-channel session; arguments and results are serializable. */
export interface PeerSession {
  /** Opens a data channel, makes an offer and returns it once ICE gathering completes. */
  createOffer(): Promise<RTCSessionDescriptionInit>;
  /** Applies a remote offer and returns the answer once ICE gathering completes. */
  acceptOffer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit>;
  acceptAnswer(answer: RTCSessionDescriptionInit): Promise<void>;
  /** Resolves once a data channel is open on this side; rejects if the connection fails first. */
  waitOpen(): Promise<void>;
  /** Sends `text` over the open channel; resolves with what the other side echoes back. */
  sendAndEcho(text: string): Promise<string>;
  /** The candidate pair ICE selected, from getStats; undefined before one is selected. */
  selectedPair(): Promise<CandidatePair | undefined>;
  /** Connection, ICE, gathering, signaling and channel states, for timeout messages. */
  describeState(): Promise<string>;
  close(): Promise<void>;
}

export interface CandidateInfo {
  /** 'host', 'srflx', 'prflx' or 'relay'. */
  type: string;
  address: string;
  port: number;
  protocol: string;
}

export interface CandidatePair {
  local: CandidateInfo;
  remote: CandidateInfo;
}

export type PeerConnectionConstructor = new (configuration: RTCConfiguration) => RTCPeerConnection;

/**
 * The session logic, written once against the W3C API for Chromium pages, node-datachannel's
 * polyfill and @roamhq/wrtc alike. It must stay self-contained (no imports, no module-level
 * names): the Chromium harness ships its source text into pages.
 */
export function createPeerSession(
  PeerConnection: PeerConnectionConstructor,
  config: PeerSessionConfig,
): PeerSession {
  const pc = new PeerConnection({ iceServers: config.iceServers });
  const echoes = new Map<number, (text: string) => void>();
  let nextEchoId = 0;
  let channel: RTCDataChannel | undefined;
  let markOpen: (channel: RTCDataChannel) => void = () => {};
  let markLost: (error: Error) => void = () => {};
  const open = new Promise<RTCDataChannel>((resolve, reject) => {
    markOpen = resolve;
    markLost = reject;
  });
  // Waiting for a channel that can no longer open fails at once rather than at a timeout;
  // nobody need be waiting (a peer closed before it connected is no error).
  open.catch(() => {});
  pc.addEventListener('connectionstatechange', () => {
    const state = pc.connectionState;
    if (state === 'failed' || state === 'closed') {
      markLost(new Error(`the connection is ${state} before the data channel opened`));
    }
  });

  function adopt(dataChannel: RTCDataChannel): void {
    channel = dataChannel;
    // Wire format `ping:<id>:<text>` / `pong:<id>:<text>`: both sides answer pings, so either
    // side can check the path, and a pong never triggers another message.
    dataChannel.addEventListener('message', (event: MessageEvent) => {
      const [kind, id, ...rest] = String(event.data).split(':');
      const text = rest.join(':');
      if (kind === 'ping') dataChannel.send(`pong:${id}:${text}`);
      if (kind === 'pong') echoes.get(Number(id))?.(text);
    });
    if (dataChannel.readyState === 'open') markOpen(dataChannel);
    else dataChannel.addEventListener('open', () => markOpen(dataChannel));
  }

  async function gathered(): Promise<RTCSessionDescriptionInit> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, config.gatherTimeoutMs);
      function check(): void {
        if (pc.iceGatheringState === 'complete') done();
      }
      function done(): void {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      }
      pc.addEventListener('icegatheringstatechange', check);
      check();
    });
    const description = pc.localDescription;
    if (!description) throw new Error('no local description after gathering');
    // A plain object: RTCSessionDescription instances do not survive structured cloning.
    return { type: description.type, sdp: description.sdp };
  }

  pc.addEventListener('datachannel', (event: RTCDataChannelEvent) => adopt(event.channel));

  return {
    async createOffer() {
      adopt(pc.createDataChannel('webrtc-connect'));
      await pc.setLocalDescription(await pc.createOffer());
      return gathered();
    },
    async acceptOffer(offer) {
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription(await pc.createAnswer());
      return gathered();
    },
    async acceptAnswer(answer) {
      await pc.setRemoteDescription(answer);
    },
    async waitOpen() {
      await open;
    },
    async sendAndEcho(text) {
      const dataChannel = await open;
      const id = nextEchoId++;
      return new Promise<string>((resolve) => {
        echoes.set(id, (echoed) => {
          echoes.delete(id);
          resolve(echoed);
        });
        dataChannel.send(`ping:${id}:${text}`);
      });
    },
    async selectedPair() {
      const stats: Map<string, Record<string, unknown>> = new Map();
      (await pc.getStats()).forEach((entry: Record<string, unknown>) => {
        stats.set(String(entry.id), entry);
      });
      const entries = [...stats.values()];
      const selectedId = entries.find(
        (entry) => entry.type === 'transport',
      )?.selectedCandidatePairId;
      const pair =
        stats.get(String(selectedId)) ??
        entries.find(
          (entry) =>
            entry.type === 'candidate-pair' &&
            entry.nominated === true &&
            entry.state === 'succeeded',
        );
      const describe = (id: unknown): CandidateInfo => {
        const candidate = stats.get(String(id)) ?? {};
        return {
          type: String(candidate.candidateType),
          // `ip` is the older name; node-datachannel's polyfill still reports only that.
          address: String(candidate.address ?? candidate.ip),
          port: Number(candidate.port),
          protocol: String(candidate.protocol ?? 'udp'),
        };
      };
      if (!pair) return undefined;
      return { local: describe(pair.localCandidateId), remote: describe(pair.remoteCandidateId) };
    },
    async describeState() {
      return (
        `connection=${pc.connectionState} ice=${pc.iceConnectionState} ` +
        `gathering=${pc.iceGatheringState} signaling=${pc.signalingState} ` +
        `channel=${channel?.readyState ?? 'none'}`
      );
    },
    async close() {
      channel?.close();
      pc.close();
    },
  };
}
