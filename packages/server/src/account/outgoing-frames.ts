import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Text frames from the server to its devices, framed here rather than by `ws`: RFC 6455 §5.2 for
 * a server (unmasked, never fragmented, no extension), which is a header of 2, 4 or 10 bytes.
 * The frames one socket is sent while the event loop works through this round of input (a burst
 * of signals, a room change sent to every device) are queued and leave in one buffer, one write,
 * once that round is over (`setImmediate`: after the poll phase that read them).
 *
 * The socket's WebSocket (`ws`) still reads, answers pings and closes; anything it writes itself
 * (a close, a ping) must come after what was queued before it: call `flush` first.
 */
export class OutgoingFrames {
  readonly #socket: Socket;
  readonly #webSocket: WebSocket;
  #queued: string[] | undefined;

  /** `socket` is the TCP socket under `webSocket`. */
  constructor(socket: Socket, webSocket: WebSocket) {
    this.#socket = socket;
    this.#webSocket = webSocket;
  }

  /** Bytes written but not yet taken by the kernel (what this round queued is not counted). */
  get backlog(): number {
    return this.#socket.writableLength;
  }

  queue(text: string): void {
    if (this.#queued) {
      this.#queued.push(text);
      return;
    }
    this.#queued = [text];
    if (pending.length === 0) setImmediate(flushPending);
    pending.push(this);
  }

  /** Writes what is queued now, in one buffer. */
  flush(): void {
    const texts = this.#queued;
    if (!texts) return;
    this.#queued = undefined;
    // Nothing after a close frame (ws answers one by itself) or once the socket is gone.
    if (this.#webSocket.readyState !== this.#webSocket.OPEN || !this.#socket.writable) return;
    this.#socket.write(encodeTextFrames(texts));
  }

  /** Drops what is queued (the socket is going). */
  discard(): void {
    this.#queued = undefined;
  }
}

/** Outboxes with frames queued in this round. */
let pending: OutgoingFrames[] = [];

function flushPending(): void {
  const flushing = pending;
  pending = [];
  for (const outbox of flushing) outbox.flush();
}

const OPCODE_TEXT_FINAL = 0x81;

/** Text messages as consecutive unmasked WebSocket frames, in one buffer. */
export function encodeTextFrames(texts: readonly string[]): Buffer {
  const lengths = texts.map((text) => Buffer.byteLength(text));
  let total = 0;
  for (const length of lengths) total += headerLength(length) + length;
  const buffer = Buffer.allocUnsafe(total);
  let offset = 0;
  texts.forEach((text, n) => {
    const length = lengths[n] as number;
    buffer[offset] = OPCODE_TEXT_FINAL;
    if (length < 126) {
      buffer[offset + 1] = length;
      offset += 2;
    } else if (length < 65_536) {
      buffer[offset + 1] = 126;
      buffer.writeUInt16BE(length, offset + 2);
      offset += 4;
    } else {
      buffer[offset + 1] = 127;
      buffer.writeBigUInt64BE(BigInt(length), offset + 2);
      offset += 10;
    }
    offset += buffer.write(text, offset, 'utf8');
  });
  return buffer;
}

function headerLength(payload: number): number {
  return payload < 126 ? 2 : payload < 65_536 ? 4 : 10;
}
