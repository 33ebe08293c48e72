import {
  type RelayedSignalFrame,
  type RoomView,
  type ServerFrame,
  UNREACHABLE_AFTER_MS,
} from '@webrtc-connect/protocol';
import { Emitter } from '../core/emitter.ts';
import { checkPeerOptions } from '../core/peer-options.ts';
import { ConnectError } from '../errors.ts';
import {
  type AccountSocket,
  accountSocketUrl,
  openAccountSocket,
  type WebSocketConstructor,
} from './account-socket.ts';
import type {
  AccountEvents,
  AccountMember,
  AccountRole,
  AccountSession,
  AccountState,
  AccountToken,
  JoinAccountOptions,
} from './account-types.ts';
import type { PeerFrame } from './account-wire.ts';
import { Broadcasting } from './broadcasting.ts';
import { type Body, bodyOf, bodyToSend, Inbox, Outbox, type Parcel } from './delivery.ts';
import { createPeerLink, type PeerLink } from './peer-link.ts';

/** Pause before opening the channel again after it closed, while the room has not changed. */
const RETRY_MS = 250;
/** Pauses before joining again after the socket was lost: doubling from the first to the last. */
const REJOIN_FIRST_MS = 250;
const REJOIN_MAX_MS = 5_000;
/**
 * Refusals that joining again cannot cure: the app has to sign in again (or the server does not
 * speak this protocol). Anything else (the server restarting, full, its store or keys away, the
 * network) is retried.
 */
const FINAL_REFUSAL = /^ERR_(TOKEN_|HELLO_|UNSUPPORTED_VERSION|ACCOUNTS_DISABLED)/;
/**
 * Token refusals a moment may cure: a signature by a key the provider has just published (the
 * server fetches its keys again), or, from a token function, an expired or early token (the
 * next call gives a fresh one). Retried this many times in a row, then final.
 */
const TOKEN_RETRIES = 3;
/** The first join keeps trying refusals that say "later" (keys or store away) this long. */
const FIRST_JOIN_PATIENCE_MS = 30_000;

/**
 * Joins the room of the token's user: resolves once the server has welcomed this device.
 * Fails with ERR_ACCOUNT_REFUSED (a bad token, a full room, …), ERR_ACCOUNT_SERVER,
 * ERR_NO_TOKEN (the token function failed) or ERR_TIMEOUT.
 */
export async function joinAccount(options: JoinAccountOptions): Promise<AccountSession> {
  checkPeerOptions(options);
  checkToken(options.token);
  const Socket = options.WebSocket ?? globalThis.WebSocket;
  if (typeof Socket !== 'function') {
    throw new ConnectError('ERR_INVALID_OPTIONS', 'no WebSocket here: pass one as WebSocket');
  }
  const servers = typeof options.server === 'string' ? [options.server] : [...options.server];
  if (servers.length === 0) {
    throw new ConnectError('ERR_INVALID_OPTIONS', 'pass the server (or its instances) to join');
  }
  const room = new AccountRoom(options, Socket, servers.map(accountSocketUrl));
  room.start(await room.openFirst());
  return room.session;
}

function checkToken(token: unknown): asserts token is AccountToken {
  if (typeof token === 'function' || (typeof token === 'string' && token !== '')) return;
  throw new ConnectError('ERR_INVALID_OPTIONS', 'pass the token to sign in with, or a function');
}

/** The server's refusal code, if the error is one. */
function refusalOf(error: unknown): string | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether joining again is pointless. `tokenRefusals` counts the token refusals in a row so
 * far, this one included; `fresh` says whether the next try brings a new token.
 */
function isFinal(error: unknown, tokenRefusals = 0, fresh = false): boolean {
  if (!(error instanceof ConnectError)) return true;
  if (error.code === 'ERR_TIMEOUT' || error.code === 'ERR_NO_TOKEN') return false;
  const code = refusalOf(error);
  if (code === undefined || !FINAL_REFUSAL.test(code)) return false;
  const curable =
    code === 'ERR_TOKEN_SIGNATURE' ||
    (fresh && (code === 'ERR_TOKEN_EXPIRED' || code === 'ERR_TOKEN_NOT_YET_VALID'));
  return !curable || tokenRefusals > TOKEN_RETRIES;
}

/** Refusals that say "later": the first join waits them out for a while. */
function saysLater(error: unknown, tokenRefusals: number, fresh: boolean): boolean {
  const code = refusalOf(error);
  if (code === undefined) return false;
  return FINAL_REFUSAL.test(code) ? !isFinal(error, tokenRefusals, fresh) : true;
}

/**
 * One device in its user's room. Each epoch it is either a client, with one channel up to the
 * broadcaster, or the broadcaster (`Broadcasting`). Messages live in the outbox until acked and
 * go out again to every new broadcaster; the inbox delivers each once, in its sender's order.
 * When the socket is lost, the device joins again (a new id) with backoff, keeping both.
 */
class AccountRoom {
  readonly #options: JoinAccountOptions;
  readonly #Socket: WebSocketConstructor;
  /** The account endpoints of the deployment's instances; `#current` is the one in use. */
  readonly #urls: readonly string[];
  #current = 0;
  /** Counts sockets, so that a lost one's late events are told apart. */
  #generation = 0;
  #rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  #rejoinAttempts = 0;
  #token: AccountToken;
  /** Token refusals since the last welcome, and the last one's code. */
  #tokenRefusals = 0;
  #lastRefusal: string | undefined;
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
  #upstream: PeerLink | undefined;
  /** Runs while there is no open channel to the broadcaster, across retries. */
  #unreachableTimer: ReturnType<typeof setTimeout> | undefined;
  #reportedEpoch = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
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

  constructor(options: JoinAccountOptions, Socket: WebSocketConstructor, urls: readonly string[]) {
    // A copy: setIceServers changes it for every link made later, not the caller's object.
    this.#options = { ...options };
    this.#token = options.token;
    this.#Socket = Socket;
    this.#urls = urls;
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
        const fresh = this.#countRefusal(error);
        if (isFinal(error, this.#tokenRefusals, fresh)) throw error;
        if (tried < this.#urls.length) {
          this.#nextInstance();
          continue;
        }
        if (!saysLater(error, this.#tokenRefusals, fresh) || performance.now() > deadline) {
          throw error;
        }
        const backoff = Math.min(REJOIN_MAX_MS, REJOIN_FIRST_MS * 2 ** this.#rejoinAttempts);
        this.#rejoinAttempts += 1;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        this.#nextInstance();
      }
    }
  }

  /** Counts a token refusal; true when the next try brings a fresh token (a token function). */
  #countRefusal(error: unknown): boolean {
    const code = refusalOf(error);
    if (code?.startsWith('ERR_TOKEN_')) {
      this.#tokenRefusals += 1;
      this.#lastRefusal = code;
    }
    return typeof this.#token === 'function';
  }

  /** Moves on to the next instance, after the one in use failed. */
  #nextInstance(): void {
    this.#current = (this.#current + 1) % this.#urls.length;
  }

  /** The token for this join: the string, or a fresh one from the app's function. */
  async #tokenForJoin(): Promise<string> {
    const source = this.#token;
    if (typeof source === 'string') return source;
    let token: unknown;
    try {
      const refused = this.#lastRefusal;
      token = await source(refused === undefined ? {} : { refused });
    } catch (error) {
      throw new ConnectError('ERR_NO_TOKEN', `the token function failed: ${String(error)}`, {
        cause: error,
      });
    }
    if (typeof token !== 'string' || token === '') {
      throw new ConnectError('ERR_NO_TOKEN', 'the token function gave no token');
    }
    return token;
  }

  /** A new socket, joined; its frames and its loss reach this room only while it is current. */
  async open(): Promise<AccountSocket> {
    this.#generation += 1;
    const generation = this.#generation;
    const token = await this.#tokenForJoin();
    if (generation !== this.#generation) throw new ConnectError('ERR_CLOSED', 'the session ended');
    const url = this.#urls[this.#current] as string;
    this.#held = [];
    this.#holding = true;
    return openAccountSocket(this.#Socket, url, token, {
      frame: (frame) => {
        if (generation !== this.#generation) return;
        if (this.#holding) this.#held.push(frame);
        else this.onFrame(frame);
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
      leave: () => room.end(undefined, true),
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
    this.#tokenRefusals = 0;
    this.#lastRefusal = undefined;
    this.#rejoinAttempts = 0;
    const expiresAt = socket.welcome.tokenExpiresAt;
    this.#tokenExpiresAt = expiresAt === undefined ? undefined : new Date(expiresAt);
  }

  #setToken(token: AccountToken): void {
    checkToken(token);
    this.#token = token;
    this.#tokenRefusals = 0;
    this.#lastRefusal = undefined;
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
    if (!error || this.#options.rejoin === false || isFinal(error)) {
      this.end(error);
      return;
    }
    this.#socket = undefined;
    this.#dropLinks();
    this.#nextInstance();
    this.#setState('reconnecting');
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
      const fresh = this.#countRefusal(error);
      if (isFinal(error, this.#tokenRefusals, fresh)) this.end(error as ConnectError);
      else {
        // Every refusal reaches the app, not only the last: it may want to sign in anew.
        this.#emit('error', error as ConnectError);
        this.#nextInstance();
        this.#scheduleRejoin();
      }
      return;
    }
    if (this.#closed()) {
      socket.leave();
      return;
    }
    this.#welcomed(socket);
    const previous = this.#id;
    // A new member of the room, perhaps of a new room (a restarted server counts epochs again).
    this.#epoch = 0;
    this.#reportedEpoch = 0;
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

  end(error: ConnectError | undefined, leaving = false): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#rejoinTimer);
    this.#generation += 1;
    if (leaving) this.#socket?.leave();
    else this.#socket?.close();
    this.#dropLinks();
    this.#outbox.failAll(new ConnectError('ERR_CLOSED', 'the session ended before delivery'));
    if (error) this.#emit('error', error);
    this.#setState('closed');
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
    else if (this.#upstream?.isOpen()) this.#upstream.sendParcel(parcel, this.#epoch);
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
      this.#setState('connected');
    } else {
      this.#setState('connecting');
      this.#connectUpstream();
    }
    const early = this.#early.filter((frame) => frame.epoch >= this.#epoch);
    this.#early = [];
    for (const frame of early) this.#onSignal(frame);
  }

  #dropLinks(): void {
    clearTimeout(this.#unreachableTimer);
    this.#unreachableTimer = undefined;
    clearTimeout(this.#retryTimer);
    this.#upstream?.close();
    this.#upstream = undefined;
    this.#broadcasting?.close();
    this.#broadcasting = undefined;
  }

  /**
   * Client: opens the channel to the broadcaster, and reports the broadcaster unreachable once
   * this epoch when no channel has been open for 5 s, however many attempts that took.
   */
  #connectUpstream(): void {
    const target = this.#broadcaster;
    const epoch = this.#epoch;
    if (target === null || target === this.#id || this.#state === 'closed') return;
    const link = createPeerLink(
      this.#options,
      target,
      { offer: true },
      {
        signal: (data) => this.#socket?.send({ type: 'signal', to: target, data }),
        open: () => {
          clearTimeout(this.#unreachableTimer);
          this.#unreachableTimer = undefined;
          this.#setState('connected');
          for (const parcel of this.#outbox.pending()) link.sendParcel(parcel, epoch);
        },
        frame: (frame, parcel) => this.#fromBroadcaster(link, frame, parcel),
        closed: () => {
          if (this.#upstream !== link) return;
          this.#upstream = undefined;
          if (this.#state === 'connected') this.#setState('connecting');
          this.#retryTimer = setTimeout(() => {
            if (this.#epoch === epoch && !this.#upstream) this.#connectUpstream();
          }, RETRY_MS);
        },
        error: (error) => this.#emit('error', error),
      },
    );
    this.#upstream = link;
    this.#unreachableTimer ??= setTimeout(() => {
      this.#unreachableTimer = undefined;
      if (this.#epoch !== epoch || this.#upstream?.isOpen()) return;
      // The server counts one report a device an epoch; the state says we are cut off.
      if (this.#reportedEpoch !== epoch) {
        this.#reportedEpoch = epoch;
        this.#socket?.send({ type: 'unreachable', peer: target, epoch });
      }
      this.#setState('unreachable');
      clearTimeout(this.#retryTimer);
      this.#upstream?.close();
      this.#upstream = undefined;
      this.#connectUpstream();
    }, UNREACHABLE_AFTER_MS);
  }

  #fromBroadcaster(link: PeerLink, frame: PeerFrame, parcel: Parcel | undefined): void {
    if (this.#upstream !== link || frame.epoch < this.#epoch) return;
    if (frame.k === 'msg' && parcel) {
      this.#inbox.receive(parcel);
      link.send({ k: 'got', sid: frame.sid, seq: frame.seq, epoch: this.#epoch });
    } else if (frame.k === 'ack' && frame.sid === this.#outbox.sid) {
      this.#outbox.ack(frame.seq);
    }
  }

  #onSignal(frame: RelayedSignalFrame): void {
    if (frame.epoch < this.#epoch) return;
    if (frame.epoch > this.#epoch) {
      this.#early.push(frame);
      return;
    }
    const { data } = frame;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
    const upstream = this.#upstream;
    if (this.#broadcasting) this.#broadcasting.signal(frame.from, data);
    else if (upstream && upstream.id === data.link && frame.from === upstream.peer) {
      upstream.signal(data);
    }
  }

  /** A method, so that checks after an await are not narrowed away. */
  #closed(): boolean {
    return this.#state === 'closed';
  }

  #setState(state: AccountState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.#state = state;
    this.#emit('state', state);
  }

  #emit<K extends keyof AccountEvents>(type: K, event: AccountEvents[K]): void {
    this.#events.emit(type, event);
  }
}
