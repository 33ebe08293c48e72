import { ConnectError } from '../errors.ts';

/**
 * What the messenger sends over its data channel.
 *
 * String messages are JSON control messages (`ControlMessage`). Binary messages are file chunks:
 * a 4-byte big-endian transfer id, then the bytes. Ids are chosen by the sending side, so an id
 * names one transfer in one direction: `abort` and `end` name the sender's own transfer,
 * `ack`, `reject` and `offset` the transfer the peer sends.
 *
 * Resumable transfers (a messenger given `resume`): the announcement carries a `key`, the
 * transfer's stable name across connections. On a new connection the sender announces it again
 * under a new id with `resume: true` and waits; the receiver answers `offset` with the bytes it
 * holds (0 when none), and the chunks go on from there. `end` carries the whole file's SHA-256,
 * which the receiver checks before offering the file (`reject` with code ERR_HASH_MISMATCH).
 */
export type ControlMessage =
  /** First from a side that has a name (`MessengerOptions.name`): what to call it. */
  | { t: 'hello'; name: string }
  /** The sender's name changed. */
  | { t: 'name'; name: string }
  /**
   * A chat message. With `s` and `n` (a messenger given `resume`): the sender's run of numbers
   * (`s`, new for each page load unless the page kept it) and the message's number in it, from
   * 1; the receiver acknowledges with `got`, drops a number it has seen, and the sender sends
   * what is not acknowledged again first on the session's next connection. `f`, when lower
   * than `n`: the oldest text the sender still holds unacknowledged, which the receiver shows
   * first (a text that overtakes it waits); absent, `n` is the oldest.
   */
  | { t: 'text'; text: string; s?: string; n?: number; f?: number }
  /** Every text of run `s` up to `n` was shown (cumulative; 0: none yet, more may follow). */
  | { t: 'got'; s: string; n: number }
  /** A file follows in chunks of this id. */
  | {
      t: 'file';
      id: number;
      name: string;
      size: number;
      type: string;
      /** The transfer's stable name across connections (resumable transfers only). */
      key?: string;
      /** Sent again on a new connection: the sender waits for `offset` before any chunk. */
      resume?: true;
    }
  /** Every chunk of the file has been sent; `sha256` (hex) of the whole file, when hashed. */
  | { t: 'end'; id: number; sha256?: string }
  /** The receiver's answer to a resumed announcement: it holds the file's first `offset` bytes. */
  | { t: 'offset'; id: number; offset: number }
  /** The sender gave up on its file. */
  | { t: 'abort'; id: number; reason: string }
  /** The receiver has every byte, counted. */
  | { t: 'ack'; id: number }
  /** The receiver refuses the file or gives up on it. */
  | { t: 'reject'; id: number; reason: string; code?: 'ERR_HASH_MISMATCH' };

export const CHUNK_HEADER_BYTES = 4;
/** Names and media types longer than this are refused: they are labels, not payloads. */
export const MAX_LABEL_LENGTH = 1024;
const MAX_REASON_LENGTH = 1024;
/** A device's name is a label a person reads: longer ones are refused on both sides. */
export const MAX_NAME_LENGTH = 256;
const MAX_ID = 0xffff_ffff;
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export function encodeControl(message: ControlMessage): string {
  return JSON.stringify(message);
}

/** Parses a control message from the peer, or throws ERR_PEER_PROTOCOL saying what is wrong. */
export function parseControl(text: string): ControlMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw protocolError('a text message from the peer is not JSON');
  }
  if (typeof value !== 'object' || value === null) {
    throw protocolError('a message from the peer is not a JSON object');
  }
  const message = value as Record<string, unknown>;
  switch (message.t) {
    case 'hello':
    case 'name': {
      const { name } = message;
      if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH) {
        throw protocolError(`a "${message.t}" message has no valid name`);
      }
      return { t: message.t, name };
    }
    case 'text': {
      if (typeof message.text !== 'string') throw protocolError('a text message has no text');
      if (message.s === undefined && message.n === undefined) {
        return { t: 'text', text: message.text };
      }
      const { s, n } = numbered(message, 1);
      const text: ControlMessage = { t: 'text', text: message.text, s, n };
      if (message.f !== undefined) {
        const { f } = message;
        if (typeof f !== 'number' || !Number.isSafeInteger(f) || f < 1 || f >= n) {
          throw protocolError('a text message has no valid oldest number');
        }
        text.f = f;
      }
      return text;
    }
    case 'got':
      return { t: 'got', ...numbered(message, 0) };
    case 'file': {
      const { name, size, type } = message;
      if (typeof name !== 'string' || name.length > MAX_LABEL_LENGTH) {
        throw protocolError('a file announcement has no valid name');
      }
      if (typeof type !== 'string' || type.length > MAX_LABEL_LENGTH) {
        throw protocolError('a file announcement has no valid media type');
      }
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        throw protocolError('a file announcement has no valid size');
      }
      const announced: ControlMessage = { t: 'file', id: idOf(message), name, size, type };
      if (message.key !== undefined) {
        if (typeof message.key !== 'string' || !KEY_PATTERN.test(message.key)) {
          throw protocolError('a file announcement has no valid key');
        }
        announced.key = message.key;
        if (message.resume === true) announced.resume = true;
      }
      return announced;
    }
    case 'end': {
      const { sha256 } = message;
      if (sha256 === undefined) return { t: 'end', id: idOf(message) };
      if (typeof sha256 !== 'string' || !SHA256_PATTERN.test(sha256)) {
        throw protocolError('a file end has no valid SHA-256');
      }
      return { t: 'end', id: idOf(message), sha256 };
    }
    case 'offset': {
      const { offset } = message;
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
        throw protocolError('a resume offset is not a whole number of bytes');
      }
      return { t: 'offset', id: idOf(message), offset };
    }
    case 'ack':
      return { t: 'ack', id: idOf(message) };
    case 'abort':
    case 'reject': {
      const reason = typeof message.reason === 'string' ? message.reason : '';
      const id = idOf(message);
      const text = reason.slice(0, MAX_REASON_LENGTH);
      if (message.t === 'abort') return { t: 'abort', id, reason: text };
      if (message.code === 'ERR_HASH_MISMATCH') {
        return { t: 'reject', id, reason: text, code: 'ERR_HASH_MISMATCH' };
      }
      return { t: 'reject', id, reason: text };
    }
    default:
      throw protocolError(`the peer sent a message of unknown kind ${JSON.stringify(message.t)}`);
  }
}

export function encodeChunk(id: number, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(new ArrayBuffer(CHUNK_HEADER_BYTES + bytes.length));
  new DataView(frame.buffer).setUint32(0, id);
  frame.set(bytes, CHUNK_HEADER_BYTES);
  return frame;
}

/** Splits a binary message into transfer id and bytes, or throws ERR_PEER_PROTOCOL. */
export function decodeChunk(data: unknown): { id: number; bytes: Uint8Array<ArrayBuffer> } {
  let view: Uint8Array<ArrayBuffer>;
  if (data instanceof ArrayBuffer) view = new Uint8Array(data);
  else if (ArrayBuffer.isView(data)) {
    // A view may sit on a shared or larger buffer: copy out just its bytes.
    view = new Uint8Array(data.byteLength);
    view.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } else throw protocolError('the peer sent a message that is neither text nor bytes');
  if (view.length < CHUNK_HEADER_BYTES) throw protocolError('a file chunk is too short');
  const id = new DataView(view.buffer, view.byteOffset, view.byteLength).getUint32(0);
  return { id, bytes: view.subarray(CHUNK_HEADER_BYTES) };
}

export function protocolError(message: string): ConnectError {
  return new ConnectError('ERR_PEER_PROTOCOL', message);
}

function idOf(message: Record<string, unknown>): number {
  const { id } = message;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID) {
    throw protocolError(`a "${String(message.t)}" message has no valid transfer id`);
  }
  return id;
}

/** A text's run and number (`s`, `n` from `least`), or throws ERR_PEER_PROTOCOL. */
function numbered(message: Record<string, unknown>, least: number): { s: string; n: number } {
  const { s, n } = message;
  if (typeof s !== 'string' || !KEY_PATTERN.test(s)) {
    throw protocolError(`a "${String(message.t)}" message has no valid run of numbers`);
  }
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < least) {
    throw protocolError(`a "${String(message.t)}" message has no valid number`);
  }
  return { s, n };
}

/** A fresh transfer key: 128 random bits, base64url. */
export function newTransferKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

export function isTransferKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_PATTERN.test(key);
}

export { MAX_ID as MAX_TRANSFER_ID };
