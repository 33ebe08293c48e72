import type { RelayedSignalFrame, RoomView, ServerFrame } from '@webrtc-connect/protocol';
import { Emitter } from '../core/emitter.ts';
import { ConnectError } from '../errors.ts';
import {
  type AccountSocket,
  openAccountSocket,
  type WebSocketConstructor,
} from './account-socket.ts';
import { type AccountStep, nextAccountState } from './account-state.ts';
import { AccountTokens, checkToken, serverCodeOf } from './account-tokens.ts';
import type {
  AccountEvents,
  AccountMember,
  AccountRole,
  AccountSession,
  AccountState,
  JoinAccountOptions,
} from './account-types.ts';
import { Broadcasting } from './broadcasting.ts';
import { type Body, bodyOf, bodyToSend, Inbox, Outbox } from './delivery.ts';
import type { DeviceIdentity } from './device-key.ts';
import { Upstream } from './upstream.ts';

/** Pauses before joining again after the socket was lost: doubling from the first to the last. */
const REJOIN_FIRST_MS = 250;
const REJOIN_MAX_MS = 5_000;
/** The first join keeps trying refusals that say "later" (keys or store away) this long. */
const FIRST_JOIN_PATIENCE_MS = 30_000;

/**
 * One device in its user's room. Each epoch it is either a client, with one channel up to the
 * broadcaster, or the broadcaster (`Broadcasting`). Messages live in the outbox until acked and
 * go out again to every new broadcaster; the inbox delivers each once, in its sender's order.
 * When the socket is lost, the device joins again with backoff, keeping both (and its id, with
 * its device key).
 */
export class AccountRoom {
  readonly #options: JoinAccountOptions;
  readonly #Socket: WebSocketConstructor;
  /** The account endpoints of the deployment's instances; `#current` is the one in use. */
  readonly #urls: readonly string[];
  #current = 0;
  /** Counts sockets, so that a lost one's late events are told apart. */
  #generation = 0;
  #rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  #rejoinAttempts = 0;
  readonly #tokens: AccountTokens;
  /** The key this device proves at every join, so it keeps its id; none with `deviceKey: false`. */
  readonly #device: DeviceIdentity | undefined;
  /** The server refused the device key's hello (it predates device keys): none from now on. */
  #keyless = false;
  #tokenExpiresAt: Date | undefined;
  readonly #events = new Emitter<AccountEvents>();
  // Device ids change when a device joins again; this key does not, so seqs hang on it.
  readonly #outbox = new Outbox(crypto.randomUUID());
  readonly #inbox = new Inbox((parcel) =>
    this.#events.emit('message', { from: parcel.frame.from, data: bodyOf(parcel) }),
  );
  #socket: AccountSocket | undefined;
  #id = '';
  #user = '';
  #epoch = 0;
  #broadcaster: string | null = null;
  #members: AccountMember[] = [];
  #role: AccountRole = 'client';
  #state: AccountState = 'connecting';
  /** Client: the channel to the broadcaster. */
  #upstream: Upstream | undefined;
  /** Broadcaster: the channels from every client. */
  #broadcasting: Broadcasting | undefined;
  /** Signals of an epoch this device has not heard of yet (the socket's frames race WebRTC). */
  #early: RelayedSignalFrame[] = [];
  /**
   * Frames of the socket being opened that came after its welcome but before the room took the
   * socket over: the server may send the welcome and a newer room frame in one write, and the
   * newer frame must not be overwritten by the welcome applied after it.
   */
  #held: ServerFrame[] = [];
  #holding = false;

  constructor(
    options: JoinAccountOptions,
    Socket: WebSocketConstructor,
    urls: readonly string[],
    device: DeviceIdentity | undefined,
  ) {
    // A copy: setIceServers changes it for every link made later, not the caller's object.
    this.#options = { ...options };
    this.#tokens = new AccountTokens(options.token);
    this.#Socket = Socket;
    this.#urls = urls;
    this.#device = device;
  }

  /**
   * The first instance that welcomes the device, in the order given. Refusals that say "later"
   * (the provider's keys or the store away, a key just rotated) are tried again, with backoff,
   * for 30 s; anything else that is not final moves on to the next instance.
   */
  async openFirst(): Promise<AccountSocket> {
    const deadline = performance.now() + FIRST_JOIN_PATIENCE_MS;
    let tried = 0;
    for (;;) {
      try {
        return await this.open();
      } catch (error) {
        tried += 1;
        this.#tokens.refused(error);
        if (this.#tokens.isFinal(error)) throw error;
        if (tried < this.#urls.length) {
          this.#nextInstance();
          continue;
        }
        if (!this.#tokens.saysLater(error) || performance.now() > deadline) {
          throw error;
        }
        const backoff = Math.min(REJOIN_MAX_MS, REJOIN_FIRST_MS * 2 ** this.#rejoinAttempts);
        this.#rejoinAttempts += 1;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        this.#nextInstance();
      }
    }
  }

  /** Moves on to the next instance, after the one in use failed. */
  #nextInstance(): void {
    this.#current = (this.#current + 1) % this.#urls.length;
  }

  /**
   * A new socket, joined. A server from before device keys refuses a hello that carries one
   * (an unknown field: ERR_INVALID_FRAME); the device then joins without, from now on.
   */
  async open(): Promise<AccountSocket> {
    const device = this.#keyless ? undefined : this.#device;
    try {
      return await this.#openWith(device);
    } catch (error) {
      if (!device || serverCodeOf(error) !== 'ERR_INVALID_FRAME') throw error;
      this.#keyless = true;
      return this.#openWith(undefined);
    }
  }

  /** A new socket; its frames and its loss reach this room only while it is current. */
  async #openWith(device: DeviceIdentity | undefined): Promise<AccountSocket> {
    this.#generation += 1;
    const generation = this.#generation;
    const token = await this.#tokens.forJoin();
    if (generation !== this.#generation) throw new ConnectError('ERR_CLOSED', 'the session ended');
    const url = this.#urls[this.#current] as string;
    this.#held = [];
    this.#holding = true;
    return openAccountSocket(this.#Socket, url, token, device, {
      frame: (frame) => {
        if (generation !== this.#generation) return;
        if (this.#holding) this.#held.push(frame);
        else this.onFrame(frame);
      },
      malformed: (error) => {
        if (generation === this.#generation) this.#emit('error', error);
      },
      closed: (error) => {
        if (generation === this.#generation) this.#lost(error);
      },
    });
  }

  readonly session: AccountSession = (() => {
    const room = this;
    return {
      get id() {
        return room.#id;
      },
      get user() {
        return room.#user;
      },
      get epoch() {
        return room.#epoch;
      },
      get role() {
        return room.#role;
      },
      get members() {
        return room.#members.map((member) => ({ ...member }));
      },
      get state() {
        return room.#state;
      },
      get tokenExpiresAt() {
        return room.#tokenExpiresAt && new Date(room.#tokenExpiresAt);
      },
      on: (type, listener) => room.#events.on(type, listener),
      send: (data) => room.#send(data),
      leave: (options) =>
        room.end(undefined, !room.#keyless && (options?.forget ?? !room.#device?.lasting)),
      setIceServers: (iceServers) => {
        room.#options.iceServers = [...iceServers];
      },
      setToken: (token) => room.#setToken(token),
    };
  })();

  start(socket: AccountSocket): void {
    this.#welcomed(socket);
    this.#socket = socket;
    this.#id = socket.welcome.id;
    this.#user = socket.welcome.user;
    this.#applyRoom(socket.welcome);
    this.#release();
  }

  #welcomed(socket: AccountSocket): void {
    this.#tokens.welcomed();
    this.#rejoinAttempts = 0;
    const expiresAt = socket.welcome.tokenExpiresAt;
    this.#tokenExpiresAt = expiresAt === undefined ? undefined : new Date(expiresAt);
  }

  #setToken(token: unknown): void {
    checkToken(token);
    this.#tokens.set(token);
    // Waiting to join again, perhaps for want of this very token: try now.
    if (this.#rejoinTimer !== undefined) {
      clearTimeout(this.#rejoinTimer);
      this.#rejoinAttempts = 0;
      this.#rejoinTimer = setTimeout(() => void this.#rejoin(), 0);
    }
  }

  /** The socket is the room's now: what it sent after its welcome, in order. */
  #release(): void {
    this.#holding = false;
    const held = this.#held;
    this.#held = [];
    for (const frame of held) this.onFrame(frame);
  }

  /**
   * The socket closed or the server went silent, not by our doing: join again after a pause,
   * unless the app turned that off or the server's answer says it cannot work.
   */
  #lost(error: ConnectError | undefined): void {
    if (this.#state === 'closed') return;
    if (!error || this.#options.rejoin === false || this.#tokens.isFinal(error)) {
      this.end(error);
      return;
    }
    this.#socket = undefined;
    this.#dropLinks();
    this.#nextInstance();
    this.#step('socket-lost');
    this.#emit('error', error);
    this.#scheduleRejoin();
  }

  #scheduleRejoin(): void {
    const backoff = Math.min(REJOIN_MAX_MS, REJOIN_FIRST_MS * 2 ** this.#rejoinAttempts);
    this.#rejoinAttempts += 1;
    // Jitter, so that the devices of a restarted server do not all come back at once.
    this.#rejoinTimer = setTimeout(() => void this.#rejoin(), backoff * (0.5 + Math.random() / 2));
  }

  async #rejoin(): Promise<void> {
    this.#rejoinTimer = undefined;
    if (this.#state === 'closed') return;
    let socket: AccountSocket;
    try {
      socket = await this.open();
    } catch (error) {
      if (this.#closed()) return;
      this.#tokens.refused(error);
      if (this.#tokens.isFinal(error)) this.end(error as ConnectError);
      else {
        // Every refusal reaches the app, not only the last: it may want to sign in anew.
        this.#emit('error', error as ConnectError);
        this.#nextInstance();
        this.#scheduleRejoin();
      }
      return;
    }
    if (this.#closed()) {
      socket.leave(!this.#device?.lasting);
      return;
    }
    this.#welcomed(socket);
    const previous = this.#id;
    // A new member of the room, perhaps of a new room (a restarted server counts epochs again).
    this.#epoch = 0;
    this.#early = [];
    this.#inbox.rejoined();
    this.#socket = socket;
    this.#id = socket.welcome.id;
    this.#emit('rejoined', { id: this.#id, previous });
    this.#applyRoom(socket.welcome);
    this.#release();
  }

  onFrame(frame: ServerFrame): void {
    if (this.#state === 'closed') return;
    if (frame.type === 'room') this.#applyRoom(frame);
    else if (frame.type === 'signal') this.#onSignal(frame);
    // Errors the socket survives (a signal to a device that just left, a report of an epoch
    // already over) are expected in a room that changes; fatal ones arrive with the close.
  }

  /** `forget`: leaving, and the server may forget this device's key (undefined: not leaving). */
  end(error: ConnectError | undefined, forget?: boolean): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#rejoinTimer);
    this.#generation += 1;
    if (forget !== undefined) this.#socket?.leave(forget);
    else this.#socket?.close();
    this.#dropLinks();
    this.#outbox.failAll(new ConnectError('ERR_CLOSED', 'the session ended before delivery'));
    if (error) this.#emit('error', error);
    this.#step('end');
  }

  #send(data: string | Uint8Array): Promise<void> {
    if (this.#state === 'closed') {
      return Promise.reject(new ConnectError('ERR_CLOSED', 'the session has ended'));
    }
    let body: Body;
    try {
      body = bodyToSend(data);
    } catch (error) {
      return Promise.reject(error);
    }
    const { parcel, delivered } = this.#outbox.add(this.#id, this.#epoch, body);
    if (this.#broadcasting) this.#broadcasting.relay(parcel, this.#id);
    else this.#upstream?.send(parcel);
    return delivered;
  }

  #applyRoom(view: RoomView): void {
    if (view.epoch < this.#epoch) return;
    const changed = view.epoch > this.#epoch;
    this.#epoch = view.epoch;
    this.#broadcaster = view.broadcaster;
    this.#members = view.members.map(({ id, role, joinedAt }) => ({ id, role, joinedAt }));
    this.#emit('members', this.session.members);
    if (!changed) {
      this.#broadcasting?.membersChanged(new Set(this.#members.map((member) => member.id)));
      return;
    }
    // A new broadcaster: every channel of the old epoch goes, and every sender starts over.
    this.#dropLinks();
    const role: AccountRole = view.broadcaster === this.#id ? 'broadcaster' : 'client';
    this.#socket?.setBroadcaster(role === 'broadcaster');
    if (role !== this.#role) {
      this.#role = role;
      this.#emit('role', role);
    }
    if (role === 'broadcaster') {
      this.#broadcasting = new Broadcasting({
        options: this.#options,
        id: this.#id,
        epoch: this.#epoch,
        memberIds: () => this.#members.map((member) => member.id),
        inbox: this.#inbox,
        outbox: this.#outbox,
        signal: (to, data) => this.#socket?.send({ type: 'signal', to, data }),
        error: (error) => this.#emit('error', error),
      });
      this.#step('broadcaster');
    } else {
      this.#step('client');
      const target = view.broadcaster;
      const epoch = this.#epoch;
      if (target !== null && target !== this.#id) {
        this.#upstream = new Upstream({
          options: this.#options,
          epoch,
          target,
          inbox: this.#inbox,
          outbox: this.#outbox,
          signal: (data) => this.#socket?.send({ type: 'signal', to: target, data }),
          report: () => this.#socket?.send({ type: 'unreachable', peer: target, epoch }),
          step: (step) => this.#step(step),
          error: (error) => this.#emit('error', error),
        });
      }
    }
    const early = this.#early.filter((frame) => frame.epoch >= this.#epoch);
    this.#early = [];
    for (const frame of early) this.#onSignal(frame);
  }

  #dropLinks(): void {
    this.#upstream?.close();
    this.#upstream = undefined;
    this.#broadcasting?.close();
    this.#broadcasting = undefined;
  }

  #onSignal(frame: RelayedSignalFrame): void {
    if (frame.epoch < this.#epoch) return;
    if (frame.epoch > this.#epoch) {
      this.#early.push(frame);
      return;
    }
    const { data } = frame;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
    if (this.#broadcasting) this.#broadcasting.signal(frame.from, data);
    else this.#upstream?.signal(frame.from, data);
  }

  /** A method, so that checks after an await are not narrowed away. */
  #closed(): boolean {
    return this.#state === 'closed';
  }

  /** The one place the state changes: by the table of account-state.ts. */
  #step(step: AccountStep): void {
    const state = nextAccountState(this.#state, step);
    if (state === this.#state) return;
    this.#state = state;
    this.#emit('state', state);
  }

  #emit<K extends keyof AccountEvents>(type: K, event: AccountEvents[K]): void {
    this.#events.emit(type, event);
  }
}
