import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { isServerError, ServerError } from '../errors.ts';
import {
  ACCOUNT_CLOSE_CODES,
  ACCOUNT_ERROR_CLOSE,
  type AccountErrorFrame,
  type ServerFrame,
  SILENCE_HEARTBEATS,
} from '../protocol/index.ts';
import type { RoomState } from '../store/room-store.ts';
import type { ResolvedAccountOptions } from './account-options.ts';
import type { AccountRooms, RoomDevice } from './account-rooms.ts';
import { errorFrameOf, type ParsedFrame, parseDeviceFrame } from './device-frames.ts';
import { FrameAllowance } from './frame-allowance.ts';
import { viewOf } from './room-rules.ts';
import type { TokenVerifier } from './token-verifier.ts';

/** What every connection of one server shares. */
export interface AccountContext {
  rooms: AccountRooms;
  verifier: TokenVerifier;
  options: ResolvedAccountOptions;
  log: FastifyBaseLogger;
}

/** A device whose outgoing frames pile up beyond this is too slow to keep: cut it off. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** A flooding device is told at most this often that its frames are dropped. */
const FLOOD_NOTICE_MS = 1_000;

type Phase = 'hello' | 'verifying' | 'joined' | 'closed';

/**
 * One account socket, from its first frame to its close: waits for the hello, verifies the
 * token, joins the room, then answers pings and passes signals and reports to the rooms.
 * Liveness is checked from outside (`check`, by the sweep), so a socket costs no timer.
 * Holds nothing from the HTTP request, and never the token.
 */
export class DeviceConnection implements RoomDevice {
  id: string | undefined;
  user: string | undefined;
  room: string | undefined;
  #phase: Phase = 'hello';
  #lastVersion = 0;
  #left = false;
  readonly #socket: WebSocket;
  readonly #context: AccountContext;
  readonly #openedAt: number;
  #lastFrameAt: number;
  #pingSentAt: number;
  #awaitingPong = false;
  readonly #allowance: FrameAllowance;
  #floodNoticeAt = Number.NEGATIVE_INFINITY;
  #onClosed: (() => void) | undefined;

  constructor(socket: WebSocket, context: AccountContext, now: number, onClosed: () => void) {
    this.#socket = socket;
    this.#context = context;
    this.#openedAt = now;
    this.#lastFrameAt = now;
    this.#pingSentAt = now;
    this.#allowance = new FrameAllowance(context.options.maxFramesPerSecond, now);
    this.#onClosed = onClosed;
    socket.on('message', (raw, isBinary) => this.#onMessage(raw as Buffer, isBinary));
    socket.on('pong', () => {
      this.#awaitingPong = false;
    });
    socket.on('close', () => this.#onClose());
  }

  /** Called by the sweep: hello deadline, silence, and transport pings. */
  check(now: number): void {
    const { helloTimeoutMs, heartbeatMs } = this.#context.options;
    if (this.#phase === 'closed') return;
    if (this.#phase === 'hello' && now - this.#openedAt > helloTimeoutMs) {
      this.#fail(new ServerError('ERR_HELLO_TIMEOUT', 'no hello in time'));
      return;
    }
    const silenceMs = SILENCE_HEARTBEATS * heartbeatMs;
    if (this.#phase === 'joined' && now - this.#lastFrameAt > silenceMs) {
      this.#fail(new ServerError('ERR_SILENT', `no frame for ${silenceMs} ms`), 'silent');
      return;
    }
    // WebSocket pings catch a connection that died without a close (cable, crash, sleep):
    // one unanswered for a whole silence window ends it, whatever the phase.
    if (now - this.#pingSentAt < silenceMs) return;
    if (this.#awaitingPong) {
      this.#terminate('no pong');
      return;
    }
    this.#awaitingPong = true;
    this.#pingSentAt = now;
    this.#socket.ping();
  }

  /** The server is closing: close with 1001 and leave the room. */
  async shutdown(): Promise<void> {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#socket.close(ACCOUNT_CLOSE_CODES.goingAway, 'server closing');
    await this.#leaveRoom('server closing');
  }

  joined(id: string, state: RoomState): void {
    this.id = id;
    // The socket closed while the join was in flight: undo it.
    if (this.#phase !== 'verifying') {
      void this.#leaveRoom('closed while joining');
      return;
    }
    this.#phase = 'joined';
    this.#lastVersion = state.version;
    this.#send({
      type: 'welcome',
      id,
      user: this.user ?? '',
      ...viewOf(state),
      heartbeatMs: this.#context.options.heartbeatMs,
    });
  }

  roomChanged(state: RoomState | null): void {
    if (this.#phase !== 'joined') return;
    if (state !== null && state.version <= this.#lastVersion) return;
    if (state === null || !state.members.some((member) => member.id === this.id)) {
      // Removed by someone else (another instance that found this device silent).
      this.#fail(new ServerError('ERR_SILENT', 'removed from the room'), 'removed');
      return;
    }
    this.#lastVersion = state.version;
    this.#send({ type: 'room', ...viewOf(state) });
  }

  sendText(text: string): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    if (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#terminate('too slow to read its frames');
      return;
    }
    this.#socket.send(text);
  }

  #send(frame: ServerFrame): void {
    this.sendText(JSON.stringify(frame));
  }

  #onMessage(raw: Buffer, isBinary: boolean): void {
    if (this.#phase === 'closed') return;
    const now = performance.now();
    this.#lastFrameAt = now;
    if (!this.#allowance.take(now)) {
      if (now - this.#floodNoticeAt >= FLOOD_NOTICE_MS) {
        this.#floodNoticeAt = now;
        this.#refuse(new ServerError('ERR_TOO_MANY_FRAMES', 'frames dropped: too many a second'));
      }
      return;
    }
    let parsed: ParsedFrame;
    try {
      parsed = parseDeviceFrame(raw, isBinary);
    } catch (error) {
      // Until the hello, nothing but a well-formed hello is acceptable.
      if (this.#phase === 'hello') this.#fail(error);
      else this.#refuse(error);
      return;
    }
    switch (this.#phase) {
      case 'hello':
        this.#onHello(parsed);
        return;
      case 'verifying':
        this.#onFrameWhileVerifying(parsed);
        return;
      case 'joined':
        this.#onFrameInRoom(parsed);
        return;
    }
  }

  #onHello({ frame }: ParsedFrame): void {
    if (frame.type !== 'hello') {
      this.#fail(new ServerError('ERR_HELLO_REQUIRED', 'the first frame must be a hello'));
      return;
    }
    this.#phase = 'verifying';
    void this.#signIn(frame.token);
  }

  async #signIn(token: string): Promise<void> {
    const { verifier, rooms, log } = this.#context;
    try {
      const identity = await verifier.verify(token);
      if (this.#phase !== 'verifying') return;
      this.user = identity.user;
      this.room = identity.room;
      await rooms.join(this, identity);
    } catch (error) {
      if (isServerError(error)) log.info({ code: error.code, room: this.room }, 'hello refused');
      else log.error({ err: error, room: this.room }, 'join failed');
      this.#fail(error);
    }
  }

  #onFrameWhileVerifying({ frame }: ParsedFrame): void {
    if (frame.type === 'ping') this.#send({ type: 'pong' });
    else if (frame.type === 'leave') this.#closeAfterLeave();
    else this.#refuse(new ServerError('ERR_INVALID_FRAME', `${frame.type}: wait for welcome`));
  }

  #onFrameInRoom(parsed: ParsedFrame): void {
    const { rooms } = this.#context;
    switch (parsed.frame.type) {
      case 'ping':
        this.#send({ type: 'pong' });
        return;
      case 'signal':
        if ('dataJson' in parsed) {
          rooms
            .signal(this, parsed.frame.to, parsed.dataJson)
            .catch((error) => this.#refuse(error));
        }
        return;
      case 'unreachable':
        rooms.unreachable(this, parsed.frame).catch((error) => this.#refuse(error));
        return;
      case 'leave':
        this.#closeAfterLeave();
        return;
      case 'hello':
        this.#refuse(new ServerError('ERR_INVALID_FRAME', 'hello: already joined'));
        return;
    }
  }

  #closeAfterLeave(): void {
    this.#phase = 'closed';
    void this.#leaveRoom('left').finally(() => {
      this.#socket.close(ACCOUNT_CLOSE_CODES.normal, 'left');
    });
  }

  /** An error frame; the socket survives it unless its code is a fatal one. */
  #refuse(error: unknown): void {
    if (ACCOUNT_ERROR_CLOSE[errorFrameOf(error).code] !== null) this.#fail(error);
    else if (this.#phase !== 'closed') this.#send(this.#known(error));
  }

  /**
   * A fatal error: the frame, the close, and out of the room. Errors that are not fatal by
   * themselves (a malformed frame) are, in place of a hello: they close with 4400.
   */
  #fail(error: unknown, reason = 'refused'): void {
    if (this.#phase === 'closed') return;
    const frame = this.#known(error);
    this.#phase = 'closed';
    this.#send(frame);
    const code = ACCOUNT_ERROR_CLOSE[frame.code] ?? ACCOUNT_CLOSE_CODES.protocolError;
    this.#socket.close(code, frame.code);
    void this.#leaveRoom(reason === 'refused' ? frame.code : reason);
  }

  /** No close handshake: for sockets that stopped answering or reading. */
  #terminate(reason: string): void {
    this.#context.log.info({ room: this.room, device: this.id, reason }, 'socket terminated');
    this.#phase = 'closed';
    this.#socket.terminate();
    void this.#leaveRoom(reason);
  }

  #onClose(): void {
    this.#context.log.debug({ room: this.room, device: this.id }, 'account socket closed');
    this.#phase = 'closed';
    this.#onClosed?.();
    this.#onClosed = undefined;
    void this.#leaveRoom('closed');
  }

  async #leaveRoom(reason: string): Promise<void> {
    if (this.#left || this.id === undefined) return;
    this.#left = true;
    try {
      await this.#context.rooms.leave(this, reason);
    } catch (error) {
      this.#context.log.error({ err: error, room: this.room, device: this.id }, 'leave failed');
    }
  }

  #known(error: unknown): AccountErrorFrame {
    const frame = errorFrameOf(error);
    if (frame.code === 'ERR_ROOM_UNAVAILABLE' && !isServerError(error)) {
      this.#context.log.error({ err: error, room: this.room, device: this.id }, 'account failure');
    }
    return frame;
  }
}
