import type { PeerOptions } from '../core/peer-options.ts';
import type { ConnectError } from '../errors.ts';
import type { WebSocketConstructor } from './account-socket.ts';

export type AccountRole = 'broadcaster' | 'client';

export interface AccountMember {
  /**
   * `<user>-client-<n>`: a device that proves its device key keeps it across reloads and
   * reconnects (`deviceKey`); one without a key gets a new one at every join.
   */
  id: string;
  role: AccountRole;
  joinedAt: string;
}

export interface AccountMessage {
  /** The sender's device id when it sent the message. */
  from: string;
  data: string | Uint8Array<ArrayBuffer>;
}

/**
 * `connecting`: joined, opening the data channel to the broadcaster. `connected`: it is open
 * (or this device is the broadcaster). `unreachable`: the broadcaster could not be reached for
 * 5 s; reported to the server, still retrying. `reconnecting`: the socket to the server was
 * lost (network, server restart); joining again, with backoff. `closed`: left, or the session
 * ended (a refusal joining again cannot cure, such as an expired token, or `rejoin: false`).
 */
export type AccountState = 'connecting' | 'connected' | 'unreachable' | 'reconnecting' | 'closed';

/** The device joined again after losing its socket: the same id with its device key, else a new one. */
export interface AccountRejoined {
  id: string;
  previous: string;
}

export interface AccountEvents {
  members: AccountMember[];
  role: AccountRole;
  message: AccountMessage;
  state: AccountState;
  rejoined: AccountRejoined;
  /** Also when the socket is lost and the device joins again (state `reconnecting`). */
  error: ConnectError;
}

/** What a token function is told when it is called. */
export interface AccountTokenRequest {
  /**
   * The server's code for the token it refused just before (`ERR_TOKEN_EXPIRED`,
   * `ERR_TOKEN_SIGNATURE` after the provider rotated its keys, …): give another one, not the
   * same again (refresh it at the provider). Absent at a first try.
   */
  refused?: string;
}

/** A token, or what gives a fresh one at every (re)join. */
export type AccountToken = string | ((request: AccountTokenRequest) => string | Promise<string>);

export interface JoinAccountOptions extends Omit<PeerOptions, 'gatherTimeout' | 'connectTimeout'> {
  /**
   * The server's http(s) base URL, e.g. `https://connect.example.com`; or the URLs of several
   * instances of one deployment (sharing one Redis): the device joins the first that answers,
   * and joins again through the next one when its socket is lost.
   */
  server: string | readonly string[];
  /**
   * A JWT the server trusts (from an identity provider, or its development sign-in), or a
   * function that gives one: called at the first join and at every join again, so a device
   * whose token expired (or whose provider rotated its keys) comes back with a fresh one. A
   * token refused as expired or badly signed is asked for again, up to 3 times in a row.
   */
  token: AccountToken;
  /** WebSocket implementation; default `globalThis.WebSocket` (pass `ws`'s in Node < 22). */
  WebSocket?: WebSocketConstructor;
  /**
   * Join again, under a new id, when the socket is lost (default true): after 250 ms, doubling
   * up to 5 s between attempts, until it works, `leave()` is called, or the server refuses in a
   * way that retrying cannot cure (the token: state `closed` with ERR_ACCOUNT_REFUSED). Each
   * failed attempt is an `error` event.
   */
  rejoin?: boolean;
  /**
   * The device's ECDSA P-256 key pair, proved to the server at every join so that the device
   * keeps its `<user>-client-<n>` across reloads and reconnects (the server keeps it a day by
   * default, `--device-keep`), and an older socket of it still open is closed instead of
   * lingering as a ghost. Default: in a browser, one key per tab, made with WebCrypto
   * (private half non-extractable), kept in IndexedDB and found again through session storage,
   * so a reload keeps the id and two tabs are two devices; elsewhere, one in memory for this
   * session (a lost socket rejoins under the same id). Pass a pair of your own to keep the id
   * across process restarts (a Node device storing it), or `false` for none: a new id at every
   * join.
   */
  deviceKey?: CryptoKeyPair | false;
}

export interface AccountSession {
  /** Kept when the device joins again with its device key (`rejoined`); else a new one. */
  readonly id: string;
  readonly user: string;
  /** Grows at every change of broadcaster. */
  readonly epoch: number;
  readonly role: AccountRole;
  /** Oldest first. */
  readonly members: AccountMember[];
  readonly state: AccountState;
  /**
   * When the token of this device's last join expires, as the server read it (undefined from
   * older servers): an app that passed a string gives a fresh one to `setToken` before then.
   */
  readonly tokenExpiresAt: Date | undefined;
  /** Returns the function that removes the listener. */
  on<K extends keyof AccountEvents>(
    type: K,
    listener: (event: AccountEvents[K]) => void,
  ): () => void;
  /**
   * Sends to every other device of the room. Resolves once every member present has it, across
   * changes of broadcaster; rejects with ERR_CLOSED if this session ends first.
   */
  send(data: string | Uint8Array): Promise<void>;
  /**
   * Leaves the room cleanly; unacknowledged sends reject with ERR_CLOSED. The server keeps this
   * device's id for its key (a reload comes back as the same device) unless `forget` is true
   * (signing out); by default it forgets a key that lived in memory only.
   */
  leave(options?: { forget?: boolean }): void;
  /**
   * The STUN and TURN servers for connections made from now on (a change of broadcaster makes
   * new ones): a device that stays longer than its TURN credentials last gives fresh ones here.
   */
  setIceServers(iceServers: RTCIceServer[]): void;
  /**
   * The token (or token function) for every join from now on; a device waiting to join again
   * tries at once with it.
   */
  setToken(token: AccountToken): void;
}
