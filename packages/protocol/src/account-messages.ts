import type { AccountErrorCode } from './account-errors.ts';

/**
 * Frames of an account socket (docs/account-protocol.md): JSON text, one object a frame, told
 * apart by `type`. Times are ISO 8601 strings, as in the mailbox.
 */

/** Any JSON value: what a signal's `data` is to the server (opaque, relayed as it came). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

// Device → server

/**
 * An ECDSA P-256 public key as a JWK (RFC 7517), only the members that name it: the key a
 * device proves it holds, so that it keeps its id across reloads and reconnects.
 */
export interface DevicePublicKey {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

/** First frame only: the device's token, never in the URL. */
export interface HelloFrame {
  type: 'hello';
  version: number;
  token: string;
  /** The device's public key: the server answers with a `challenge` before its `welcome`. */
  deviceKey?: DevicePublicKey;
}

/** Answer to a `challenge`: the device key's signature of `deviceProofText(challenge)`. */
export interface ProofFrame {
  type: 'proof';
  /** ECDSA P-256 with SHA-256, r and s as 64 bytes (WebCrypto's form), base64url. */
  signature: string;
}

/** Relay `data` to device `to`: a client id, or `<user>-broadcaster`, of the same user. */
export interface SignalFrame {
  type: 'signal';
  to: string;
  data: JsonValue;
}

/** Heartbeat, every `heartbeatMs`. */
export interface PingFrame {
  type: 'ping';
}

/** This device cannot reach the broadcaster `peer` over WebRTC in `epoch`. */
export interface UnreachableFrame {
  type: 'unreachable';
  peer: string;
  epoch: number;
}

/** Clean leave: removed at once, then the socket closes. */
export interface LeaveFrame {
  type: 'leave';
  /**
   * Forget the device key's id too (a key that will not be seen again); without it the id is
   * kept for the device for the server's device-keep time, as after a lost socket.
   */
  forget?: boolean;
}

export type DeviceFrame =
  | HelloFrame
  | ProofFrame
  | SignalFrame
  | PingFrame
  | UnreachableFrame
  | LeaveFrame;

// Server → device

export interface RoomMemberView {
  id: string;
  joinedAt: string;
  role: 'broadcaster' | 'client';
}

/** A room as devices see it: members oldest first, and who holds `<user>-broadcaster`. */
export interface RoomView {
  epoch: number;
  /** The client id holding `<user>-broadcaster`; null only in an empty room. */
  broadcaster: string | null;
  members: RoomMemberView[];
}

/** After a valid hello: who this device is, and the room it joined. */
export interface WelcomeFrame extends RoomView {
  type: 'welcome';
  /** `<user>-client-<n>` */
  id: string;
  user: string;
  /** How often to send `ping` while this device is the broadcaster. */
  heartbeatMs: number;
  /**
   * How often to send `ping` while it is a client (servers before it was added: `heartbeatMs`).
   * On becoming broadcaster, a device pings at once and then every `heartbeatMs`.
   */
  idleHeartbeatMs?: number;
  /**
   * When the hello's token expires (its `exp`; servers before it was added send none). The
   * device stays in its room past it, but joining again needs a fresh token.
   */
  tokenExpiresAt?: string;
}

/**
 * After a hello with a device key and a valid token: sign `deviceProofText` of this frame with
 * the key's private half and answer with `proof`.
 */
export interface ChallengeFrame {
  type: 'challenge';
  /** 32 random bytes, base64url: new for every socket. */
  nonce: string;
  /** The user as ids spell it, as in the welcome to come. */
  user: string;
  /** Chosen by the server: what the proof is for (the room and the protocol version). */
  context: string;
}

/** After every change: a device joined or left, a broadcaster was promoted. */
export interface RoomFrame extends RoomView {
  type: 'room';
}

/** A signal another device of the same user sent to this one. */
export interface RelayedSignalFrame {
  type: 'signal';
  from: string;
  epoch: number;
  data: JsonValue;
}

export interface PongFrame {
  type: 'pong';
}

/** A refused frame; a fatal one is followed by a close (see ACCOUNT_ERROR_CLOSE). */
export interface AccountErrorFrame {
  type: 'error';
  code: AccountErrorCode;
  message: string;
}

export type ServerFrame =
  | ChallengeFrame
  | WelcomeFrame
  | RoomFrame
  | RelayedSignalFrame
  | PongFrame
  | AccountErrorFrame;

// Development sign-in (HTTP)

/** `POST /api/dev/sign-in` */
export interface DevSignInRequest {
  name: string;
}

/** 200 to `POST /api/dev/sign-in`: a token for the account socket's hello. */
export interface DevSignInResponse {
  token: string;
  user: string;
  expiresAt: string;
}

/** 200 to `GET /api/sign-in`: how people sign in to this server. */
export interface SignInOptionsResponse {
  /** `POST /api/dev/sign-in` is on. */
  devSignIn: boolean;
  /** An OpenID Connect provider for authorization code with PKCE in the browser, or null. */
  oidc: { issuer: string; clientId: string; name: string; scope: string } | null;
}
