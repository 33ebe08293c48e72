import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  ACCOUNT_CLOSE_CODES,
  ACCOUNT_ERROR_CLOSE,
  type AccountErrorFrame,
  type ChallengeFrame,
  IDLE_HEARTBEAT_FACTOR,
  type ServerFrame,
  SILENCE_HEARTBEATS,
} from '@webrtc-connect/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { isServerError, ServerError } from '../errors.ts';
import type { ResolvedAccountOptions } from './account-options.ts';
import type { AccountRooms, RoomDevice } from './account-rooms.ts';
import { errorFrameOf, type ParsedFrame, parseDeviceFrame } from './device-frames.ts';
import { checkDeviceProof, type DeviceKey, deviceChallenge, readDeviceKey } from './device-key.ts';
import { OutgoingFrames } from './outgoing-frames.ts';
import { viewOf } from './room-rules.ts';
import type { RoomState } from './room-store.ts';
import type { TokenVerifier, VerifiedIdentity } from './token-verifier.ts';

/** What every connection of one server shares. */
export interface AccountContext {
  rooms: AccountRooms;
  verifier: TokenVerifier;
  options: ResolvedAccountOptions;
  log: FastifyBaseLogger;
  /** A connection's socket closed: forget it. */
  closed(connection: DeviceConnection): void;
}

/** A device whose outgoing frames pile up beyond this is too slow to keep: cut it off. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** A flooding device is told at most this often that its frames are dropped. */
const FLOOD_NOTICE_MS = 1_000;
/** The one frame that is not parsed: `ping`, exactly as every client sends it. */
const PING = Buffer.from('{"type":"ping"}');
const PONG = '{"type":"pong"}';

const HELLO = 0;
/** Checking the token or the device's proof, or joining. */
const VERIFYING = 1;
/** Waiting for the device's proof of its key. */
const PROVING = 2;
const JOINED = 3;
const CLOSED = 4;
type Phase = typeof HELLO | typeof VERIFYING | typeof PROVING | typeof JOINED | typeof CLOSED;

/** Between a valid token and the device's proof of its key. */
interface PendingProof {
  identity: VerifiedIdentity;
  device: DeviceKey;
  challenge: ChallengeFrame;
}

/**
 * One account socket, from its first frame to its close: waits for the hello, verifies the
 * token, joins the room, then answers pings and passes signals and reports to the rooms.
 * Liveness is checked from outside (`check`, by the sweep), so a socket costs no timer; only the
 * broadcaster gets WebSocket-level pings (a joined device must send a frame every few
 * heartbeats anyway, and one that has not joined has its hello deadline). Holds nothing from
 * the HTTP request, and never the token; kept small, since a server holds tens of thousands.
 */
export class DeviceConnection implements RoomDevice {
  id: string | undefined;
  user: string | undefined;
  room: string | undefined;
  readonly connection = randomBytes(6).toString('base64url');
  #phase: Phase = HELLO;
  #proof: PendingProof | undefined;
  #left = false;
  /** Broadcaster: silent after 3 heartbeats; client: after 3 idle heartbeats. */
  #broadcaster = false;
  #lastVersion = 0;
  /** The hello's token's `exp`, in seconds. */
  #tokenExpiresAt = 0;
  readonly #socket: WebSocket;
  /** What the server sends goes out through this, framed and batched (outgoing-frames.ts). */
  readonly #out: OutgoingFrames;
  readonly #context: AccountContext;
  readonly #openedAt: number;
  #lastFrameAt: number;
  /** The frame allowance: a token bucket refilled at maxFramesPerSecond, two seconds deep. */
  #allowance: number;
  #allowanceAt: number;
  #floodNoticeAt = Number.NEGATIVE_INFINITY;
  #pingSentAt = Number.NEGATIVE_INFINITY;
  #awaitingPong = false;

  /** `raw` is the TCP socket under `socket`. */
  constructor(socket: WebSocket, raw: Socket, context: AccountContext, now: number) {
    this.#socket = socket;
    this.#out = new OutgoingFrames(raw, socket);
    this.#context = context;
    this.#openedAt = now;
    this.#lastFrameAt = now;
    this.#allowance = context.options.maxFramesPerSecond * 2;
    this.#allowanceAt = now;
    // One listener function for every socket, not a closure each (about 120 bytes a socket).
    connectionOf.set(socket, this);
    socket.on('message', onSocketMessage);
    socket.on('close', onSocketClose);
  }

  /** Called by the sweep: the hello deadline and silence. */
  check(now: number): void {
    const { helloTimeoutMs, heartbeatMs } = this.#context.options;
    if (this.#phase === CLOSED) return;
    if (this.#phase !== JOINED) {
      if (now - this.#openedAt > helloTimeoutMs) {
        this.#fail(new ServerError('ERR_HELLO_TIMEOUT', 'no hello in time'));
      }
      return;
    }
    const silenceMs =
      SILENCE_HEARTBEATS * heartbeatMs * (this.#broadcaster ? 1 : IDLE_HEARTBEAT_FACTOR);
    if (now - this.#lastFrameAt > silenceMs) {
      this.#fail(new ServerError('ERR_SILENT', `no frame for ${silenceMs} ms`), 'silent');
      return;
    }
    // The broadcaster alone is also pinged at the WebSocket level, once a silence window: one
    // that sends but no longer reads (a half-dead connection) would otherwise stall its room.
    if (!this.#broadcaster || now - this.#pingSentAt < silenceMs) return;
    if (this.#awaitingPong) {
      this.#terminate('no pong');
      return;
    }
    this.#awaitingPong = true;
    this.#pingSentAt = now;
    this.#socket.once('pong', () => {
      this.#awaitingPong = false;
    });
    this.#out.flush();
    this.#socket.ping();
  }

  /** The server is closing: close with 1001 and leave the room. */
  async shutdown(): Promise<void> {
    if (this.#phase === CLOSED) return;
    this.#phase = CLOSED;
    this.#out.flush();
    this.#socket.close(ACCOUNT_CLOSE_CODES.goingAway, 'server closing');
    await this.#leaveRoom('server closing');
  }

  joined(id: string, state: RoomState): void {
    this.id = id;
    // The socket closed while the join was in flight: undo it.
    if (this.#phase !== VERIFYING) {
      void this.#leaveRoom('closed while joining');
      return;
    }
    this.#phase = JOINED;
    this.#lastVersion = state.version;
    this.#broadcaster = state.broadcaster === id;
    const { heartbeatMs } = this.#context.options;
    this.#send({
      type: 'welcome',
      id,
      user: this.user ?? '',
      ...viewOf(state),
      heartbeatMs,
      idleHeartbeatMs: heartbeatMs * IDLE_HEARTBEAT_FACTOR,
      tokenExpiresAt: new Date(this.#tokenExpiresAt * 1000).toISOString(),
    });
  }

  roomChanged(state: RoomState | null): void {
    if (this.#phase !== JOINED) return;
    if (state !== null && state.version <= this.#lastVersion) return;
    const member = state?.members.find((candidate) => candidate.id === this.id);
    if (member?.connection !== undefined && member.connection !== this.connection) {
      // The same device proved its key on another socket (a reload, a reconnect).
      this.#fail(
        new ServerError('ERR_DEVICE_REPLACED', 'this device joined again on another socket'),
        'replaced',
      );
      return;
    }
    if (state === null || !member) {
      // Removed by someone else (another instance that found this device silent).
      this.#fail(new ServerError('ERR_SILENT', 'removed from the room'), 'removed');
      return;
    }
    this.#lastVersion = state.version;
    const broadcaster = state.broadcaster === this.id;
    // Promoted: from now on silent after 3 short heartbeats, counted from its promotion (it
    // pings as soon as it reads this frame).
    if (broadcaster && !this.#broadcaster) this.#lastFrameAt = performance.now();
    this.#broadcaster = broadcaster;
    this.#send({ type: 'room', ...viewOf(state) });
  }

  sendText(text: string): void {
    const socket = this.#socket;
    if (socket.readyState !== socket.OPEN) return;
    if (this.#out.backlog > MAX_BUFFERED_BYTES) {
      this.#terminate('too slow to read its frames');
      return;
    }
    this.#out.queue(text);
  }

  #send(frame: ServerFrame): void {
    this.sendText(JSON.stringify(frame));
  }

  /** A frame from the socket (its listener, shared by every socket, calls this). */
  received(raw: Buffer, isBinary: boolean): void {
    if (this.#phase === CLOSED) return;
    const now = performance.now();
    this.#lastFrameAt = now;
    if (!this.#take(now)) {
      if (now - this.#floodNoticeAt >= FLOOD_NOTICE_MS) {
        this.#floodNoticeAt = now;
        this.#refuse(new ServerError('ERR_TOO_MANY_FRAMES', 'frames dropped: too many a second'));
      }
      return;
    }
    // Most frames are pings: answered without parsing.
    if (this.#phase !== HELLO && !isBinary && raw.equals(PING)) {
      this.sendText(PONG);
      return;
    }
    let parsed: ParsedFrame;
    try {
      parsed = parseDeviceFrame(raw, isBinary);
    } catch (error) {
      // Until the hello, nothing but a well-formed hello is acceptable.
      if (this.#phase === HELLO) this.#fail(error);
      else this.#refuse(error);
      return;
    }
    switch (this.#phase) {
      case HELLO:
        this.#onHello(parsed);
        return;
      case VERIFYING:
        this.#onFrameWhileVerifying(parsed);
        return;
      case PROVING:
        if (parsed.frame.type === 'proof') this.#onProof(parsed.frame.signature);
        else this.#onFrameWhileVerifying(parsed);
        return;
      case JOINED:
        this.#onFrameInRoom(parsed);
        return;
    }
  }

  /** Spends one frame's allowance; false when there is none left. */
  #take(now: number): boolean {
    const { maxFramesPerSecond } = this.#context.options;
    this.#allowance = Math.min(
      maxFramesPerSecond * 2,
      this.#allowance + ((now - this.#allowanceAt) * maxFramesPerSecond) / 1000,
    );
    this.#allowanceAt = now;
    if (this.#allowance < 1) return false;
    this.#allowance -= 1;
    return true;
  }

  #onHello({ frame }: ParsedFrame): void {
    if (frame.type !== 'hello') {
      this.#fail(new ServerError('ERR_HELLO_REQUIRED', 'the first frame must be a hello'));
      return;
    }
    this.#phase = VERIFYING;
    void this.#signIn(frame.token, frame.deviceKey);
  }

  /** Checks the token (and reads the device key); joins, or first challenges the key. */
  async #signIn(token: string, deviceKey: unknown): Promise<void> {
    const { verifier, rooms } = this.#context;
    try {
      // The token first: nobody without one makes the server do any work on a key.
      const identity = await verifier.verify(token);
      const device = deviceKey === undefined ? undefined : await readDeviceKey(deviceKey);
      if (this.#phase !== VERIFYING) return;
      this.user = identity.user;
      this.room = identity.room;
      this.#tokenExpiresAt = identity.expiresAt;
      if (device) {
        const challenge = deviceChallenge(identity.user, identity.room);
        this.#proof = { identity, device, challenge };
        this.#phase = PROVING;
        this.#send(challenge);
        return;
      }
      await rooms.join(this, identity);
    } catch (error) {
      this.#refusedHello(error);
    }
  }

  /** The device's proof: with a valid one, it joins under its key's id. */
  async #onProof(signature: string): Promise<void> {
    const proof = this.#proof;
    if (!proof) return;
    this.#proof = undefined;
    this.#phase = VERIFYING;
    const { rooms, options } = this.#context;
    try {
      await checkDeviceProof(proof.device, proof.challenge, signature);
      if (this.#phase !== VERIFYING) return;
      await rooms.join(this, proof.identity, {
        key: proof.device.thumbprint,
        keepMs: options.deviceKeepMs,
      });
    } catch (error) {
      this.#refusedHello(error);
    }
  }

  #refusedHello(error: unknown): void {
    const { log } = this.#context;
    if (isServerError(error)) log.info({ code: error.code, room: this.room }, 'hello refused');
    else log.error({ err: error, room: this.room }, 'join failed');
    this.#fail(error);
  }

  #onFrameWhileVerifying({ frame }: ParsedFrame): void {
    if (frame.type === 'ping') this.sendText(PONG);
    else if (frame.type === 'leave') this.#closeAfterLeave(frame.forget === true);
    else this.#refuse(new ServerError('ERR_INVALID_FRAME', `${frame.type}: wait for welcome`));
  }

  #onFrameInRoom(parsed: ParsedFrame): void {
    const { rooms } = this.#context;
    switch (parsed.frame.type) {
      case 'ping':
        this.sendText(PONG);
        return;
      case 'signal':
        if ('dataJson' in parsed) this.#signal(parsed.frame.to, parsed.dataJson);
        return;
      case 'unreachable':
        rooms.unreachable(this, parsed.frame).catch((error) => this.#refuse(error));
        return;
      case 'leave':
        this.#closeAfterLeave(parsed.frame.forget === true);
        return;
      case 'hello':
      case 'proof':
        this.#refuse(new ServerError('ERR_INVALID_FRAME', `${parsed.frame.type}: already joined`));
        return;
    }
  }

  #signal(to: string, dataJson: string): void {
    try {
      this.#context.rooms.signal(this, to, dataJson)?.catch((error) => this.#refuse(error));
    } catch (error) {
      this.#refuse(error);
    }
  }

  #closeAfterLeave(forget: boolean): void {
    this.#phase = CLOSED;
    void this.#leaveRoom('left', forget).finally(() => {
      this.#out.flush();
      this.#socket.close(ACCOUNT_CLOSE_CODES.normal, 'left');
    });
  }

  /** An error frame; the socket survives it unless its code is a fatal one. */
  #refuse(error: unknown): void {
    if (ACCOUNT_ERROR_CLOSE[errorFrameOf(error).code] !== null) this.#fail(error);
    else if (this.#phase !== CLOSED) this.#send(this.#known(error));
  }

  /**
   * A fatal error: the frame, the close, and out of the room. Errors that are not fatal by
   * themselves (a malformed frame) are, in place of a hello: they close with 4400.
   */
  #fail(error: unknown, reason = 'refused'): void {
    if (this.#phase === CLOSED) return;
    const frame = this.#known(error);
    this.#phase = CLOSED;
    this.#send(frame);
    const code = ACCOUNT_ERROR_CLOSE[frame.code] ?? ACCOUNT_CLOSE_CODES.protocolError;
    this.#out.flush();
    this.#socket.close(code, frame.code);
    void this.#leaveRoom(reason === 'refused' ? frame.code : reason);
  }

  /** No close handshake: for sockets that stopped answering or reading. */
  #terminate(reason: string): void {
    this.#context.log.info({ room: this.room, device: this.id, reason }, 'socket terminated');
    this.#phase = CLOSED;
    this.#out.discard();
    this.#socket.terminate();
    void this.#leaveRoom(reason);
  }

  /** The socket closed (its listener, shared by every socket, calls this). */
  socketClosed(): void {
    this.#context.log.debug({ room: this.room, device: this.id }, 'account socket closed');
    this.#phase = CLOSED;
    this.#out.discard();
    this.#context.closed(this);
    void this.#leaveRoom('closed');
  }

  async #leaveRoom(reason: string, forget = false): Promise<void> {
    if (this.#left || this.id === undefined) return;
    this.#left = true;
    try {
      await this.#context.rooms.leave(this, reason, forget);
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

/** The connection of each socket, for the listeners all sockets share. */
const connectionOf = new WeakMap<WebSocket, DeviceConnection>();

function onSocketMessage(this: WebSocket, raw: Buffer, isBinary: boolean): void {
  connectionOf.get(this)?.received(raw, isBinary);
}

function onSocketClose(this: WebSocket): void {
  connectionOf.get(this)?.socketClosed();
}
