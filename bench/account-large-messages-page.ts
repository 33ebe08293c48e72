/**
 * The page side of bench/account-large-messages.ts: an account device (the library itself)
 * whose data channels are watched: what each sends and receives, in order, its buffered amount
 * and threshold, how often `bufferedamountlow` fired, and the data-channel stats.
 */
import { type AccountSession, joinAccount } from 'webrtc-connect/account';

interface Watched {
  channel: RTCDataChannel;
  pc: RTCPeerConnection;
  lowEvents: number;
  /** What went each way, in order: `>` sent, `<` received; `T` text (its kind), `B` bytes. */
  log: string[];
}

export interface ChannelReport {
  readyState: RTCDataChannelState;
  bufferedAmount: number;
  threshold: number;
  lowEvents: number;
  log: string[];
  stats: {
    messagesSent: number;
    bytesSent: number;
    messagesReceived: number;
    bytesReceived: number;
  }[];
}

export interface DeviceReport {
  id: string;
  acknowledged: number;
  /** Binary messages received whole and in their sender's order (the bench's pattern checked). */
  received: number;
  /** Received with other bytes than sent, or out of order. */
  wrong: number;
  errors: string[];
  channels: ChannelReport[];
}

const started = performance.now();
const watched: Watched[] = [];
const now = () => Math.round(performance.now() - started);
const describe = (data: unknown) =>
  typeof data === 'string'
    ? `T${/"k":"(\w+)"/.exec(data)?.[1] ?? '?'}`
    : `B${(data as ArrayBuffer | ArrayBufferView).byteLength}`;

function watch(channel: RTCDataChannel, pc: RTCPeerConnection): void {
  const entry: Watched = { channel, pc, lowEvents: 0, log: [] };
  watched.push(entry);
  channel.addEventListener('bufferedamountlow', () => {
    entry.lowEvents += 1;
  });
  channel.addEventListener('message', (event: MessageEvent) => {
    entry.log.push(`${now()}<${describe(event.data)}`);
  });
  const send = channel.send.bind(channel) as (data: unknown) => void;
  (channel as unknown as { send(data: unknown): void }).send = (data) => {
    entry.log.push(`${now()}>${describe(data)}`);
    send(data);
  };
}

class WatchedPeerConnection extends RTCPeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    this.addEventListener('datachannel', (event) => watch(event.channel, this));
  }
  override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    const channel = super.createDataChannel(label, init);
    watch(channel, this);
    return channel;
  }
}

/** Message `n`: its first byte is `n`, the rest a pattern of `n`. */
function body(size: number, n: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 1; i < size; i += 1) bytes[i] = (n * 7 + i) % 251;
  bytes[0] = n;
  return bytes;
}

/** Text message `n`: its number, then letters of a pattern of `n`. */
function text(size: number, n: number): string {
  const head = `${n}:`;
  let rest = '';
  for (let i = head.length; i < size; i += 1) rest += String.fromCharCode(97 + ((n + i) % 26));
  return head + rest;
}

let session: AccountSession | undefined;
let acknowledged = 0;
let received = 0;
let wrong = 0;
const errors: string[] = [];

async function report(): Promise<DeviceReport> {
  const channels: ChannelReport[] = [];
  for (const { channel, pc, lowEvents, log } of watched) {
    if (channel.readyState === 'closed') continue;
    const stats: ChannelReport['stats'] = [];
    (await pc.getStats()).forEach((entry: Record<string, unknown>) => {
      if (entry.type !== 'data-channel') return;
      const { messagesSent, bytesSent, messagesReceived, bytesReceived } = entry as Record<
        string,
        number
      >;
      stats.push({
        messagesSent: messagesSent ?? 0,
        bytesSent: bytesSent ?? 0,
        messagesReceived: messagesReceived ?? 0,
        bytesReceived: bytesReceived ?? 0,
      });
    });
    channels.push({
      readyState: channel.readyState,
      bufferedAmount: channel.bufferedAmount,
      threshold: channel.bufferedAmountLowThreshold,
      lowEvents,
      log,
      stats,
    });
  }
  return { id: session?.id ?? '', acknowledged, received, wrong, errors, channels };
}

const device = {
  async join(server: string, token: string): Promise<string> {
    session = await joinAccount({
      server,
      token,
      RTCPeerConnection: WatchedPeerConnection,
      deviceKey: false,
    });
    session.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    session.on('message', ({ data }) => {
      if (typeof data === 'string') {
        if (data === text(data.length, received)) received += 1;
        else wrong += 1;
        return;
      }
      const n = data[0] ?? 0;
      if (n === received && data.every((byte, i) => i === 0 || byte === (n * 7 + i) % 251)) {
        received += 1;
      } else wrong += 1;
    });
    return session.id;
  },
  connectedWith(count: number): boolean {
    return session?.state === 'connected' && session.members.length === count;
  },
  /** Binary messages, or with `asText`, text messages of `size` characters. */
  send(count: number, size: number, asText = false): void {
    for (let n = 0; n < count; n += 1) {
      session?.send(asText ? text(size, n) : body(size, n)).then(
        () => {
          acknowledged += 1;
        },
        () => {},
      );
    }
  },
  report,
  leave(): void {
    session?.leave();
  },
};

export type BenchDevice = typeof device;
Object.assign(globalThis, { benchDevice: device });
