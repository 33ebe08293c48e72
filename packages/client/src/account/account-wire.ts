import { ConnectError } from '../errors.ts';

/**
 * Frames on the data channel between a device and its broadcaster (docs/account-protocol.md,
 * "Messages between devices"). JSON text, told apart by `k`; a `msg` with `bin: true` is
 * followed at once by one binary frame, its body; with `size` too, by the binary frames that
 * make up its `size` bytes (sent only to a device that said it takes pieces, body-pieces.ts).
 * `sid` is the sender's session key: device ids change on every reconnect, a session's key
 * does not, so sequence numbers hang on it.
 */
export type PeerFrame =
  /** A message: from a sender to the broadcaster, then relayed to every other member. */
  | {
      k: 'msg';
      from: string;
      sid: string;
      seq: number;
      epoch: number;
      body?: string;
      bin?: true;
      size?: number;
    }
  /** A receiver to the broadcaster: it has message (sid, seq). */
  | { k: 'got'; sid: string; seq: number; epoch: number }
  /** The broadcaster to a sender: every member present has message (sid, seq). */
  | { k: 'ack'; sid: string; seq: number; epoch: number };

export type MsgFrame = Extract<PeerFrame, { k: 'msg' }>;

const MAX_KEY_LENGTH = 128;

export function encodePeerFrame(frame: PeerFrame): string {
  return JSON.stringify(frame);
}

/** Parses a frame from a peer, or throws ERR_PEER_PROTOCOL. */
export function parsePeerFrame(text: string): PeerFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw peerError('a frame from a peer is not JSON');
  }
  if (typeof value !== 'object' || value === null) throw peerError('a frame is not an object');
  const frame = value as Record<string, unknown>;
  const { k, sid, seq, epoch } = frame;
  if (typeof sid !== 'string' || sid.length === 0 || sid.length > MAX_KEY_LENGTH) {
    throw peerError('a frame has no valid sender key');
  }
  if (!positiveInteger(seq) || !positiveInteger(epoch)) {
    throw peerError('a frame has no valid seq or epoch');
  }
  switch (k) {
    case 'got':
    case 'ack':
      return { k, sid, seq, epoch };
    case 'msg': {
      const { from, body, bin } = frame;
      if (typeof from !== 'string' || from.length > MAX_KEY_LENGTH) {
        throw peerError('a message has no valid sender id');
      }
      if (bin === true) {
        const { size } = frame;
        if (size === undefined) return { k, from, sid, seq, epoch, bin };
        // Its upper bound is the receiver's to check (body-pieces.ts).
        if (!positiveInteger(size)) throw peerError('a message has no valid size');
        return { k, from, sid, seq, epoch, bin, size };
      }
      if (typeof body !== 'string') throw peerError('a message has no body');
      return { k, from, sid, seq, epoch, body };
    }
    default:
      throw peerError(`a peer sent a frame of unknown kind ${JSON.stringify(k)}`);
  }
}

/** The bytes of a binary frame, copied out of whatever view the implementation hands us. */
export function bytesOf(data: unknown): Uint8Array<ArrayBuffer> {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) {
    const copy = new Uint8Array(data.byteLength);
    copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return copy;
  }
  throw peerError('a peer sent a frame that is neither text nor bytes');
}

function positiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

function peerError(message: string): ConnectError {
  return new ConnectError('ERR_PEER_PROTOCOL', message);
}
