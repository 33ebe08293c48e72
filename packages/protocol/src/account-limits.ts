/**
 * The account rooms' fixed numbers and names (docs/account-protocol.md), shared by the server
 * and the client library. Servers configure the heartbeat and their capacity limits; the frame
 * and signal sizes are the protocol's.
 */

export const ACCOUNT_PROTOCOL_VERSION = 1;

export const ACCOUNT_PATHS = {
  /** The WebSocket endpoint every signed-in device keeps open. */
  socket: '/api/account',
  /** Development sign-in, when the server was started with it. */
  devSignIn: '/api/dev/sign-in',
  /** How the web app can sign people in here: development sign-in, an OpenID Connect provider. */
  signInOptions: '/api/sign-in',
} as const;

/**
 * How often a device sends `ping` unless the server says otherwise in `welcome`. Browsers run
 * timers of background tabs at most once a second, so at least two pings fit in the silence
 * window, and a silent broadcaster is still replaced within about 2.5 s.
 */
export const DEFAULT_HEARTBEAT_MS = 750;

/** A device that sends no frame for this many heartbeats is silent, and removed. */
export const SILENCE_HEARTBEATS = 3;

/**
 * A device that is not the broadcaster pings this many times less often (`idleHeartbeatMs` in
 * `welcome`): only the broadcaster's silence stalls the room, so only it pings at the full
 * rate, and a server with many idle devices answers far fewer pings.
 */
export const IDLE_HEARTBEAT_FACTOR = 4;

/** The first frame, `hello`, must arrive within this long of the socket opening. */
export const HELLO_TIMEOUT_MS = 10_000;

/** A device reports a broadcaster it could not reach over WebRTC for this long. */
export const UNREACHABLE_AFTER_MS = 5_000;

/** Largest text frame, in bytes of UTF-8: a hello with a large token, or a full signal. */
export const MAX_FRAME_BYTES = 32_768;

/**
 * Longest device id a frame may name, in characters. Ids are `<user>-client-<n>` or
 * `<user>-broadcaster`: bounded well above the longest.
 */
export const MAX_DEVICE_ID_LENGTH = 128;

/** Largest `data` of a signal, in bytes of its JSON text (an SDP is 1 to 6 KiB). */
export const MAX_SIGNAL_DATA_BYTES = 16_384;

/** Largest token in a hello, in characters. */
export const MAX_TOKEN_LENGTH = 16_384;

/** A name for the development sign-in; also the users whose ids spell them as they are. */
export const USER_NAME_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';

/**
 * A user as ids spell it (`welcome.user`): the name itself when it matches USER_NAME_PATTERN,
 * else escaped (`auth0%7C64f1c2`) or hashed (`~` and 32 base64url characters); README, "Users".
 */
export const USER_ID_PATTERN = '^[A-Za-z0-9_.%~-]{1,64}$';

/**
 * How long a server keeps a device key's id for a device that is gone (a reload, a lost
 * socket), unless configured otherwise: it comes back as the same `<user>-client-<n>`.
 */
export const DEFAULT_DEVICE_KEEP_SECONDS = 86_400;

/** How long a development sign-in token lives. */
export const DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;

/** Close codes the server ends an account socket with. */
export const ACCOUNT_CLOSE_CODES = {
  /** After `leave`. */
  normal: 1000,
  /** The server is shutting down: connect again (to another instance). */
  goingAway: 1001,
  /** A frame larger than the transport accepts (64 KiB); sent by the WebSocket layer. */
  tooBig: 1009,
  /** The server, the room store or the key source is unavailable right now: retry later. */
  tryAgainLater: 1013,
  /** The first frame was not a well-formed `hello`, or named an unknown protocol version. */
  protocolError: 4400,
  /** No valid token in time: sign in again. */
  unauthorized: 4401,
  /** The device sent no frame for 3 heartbeats of its role, or (broadcaster) stopped answering WebSocket pings. */
  silent: 4408,
  /** Another socket proved the same device key: this one's device is there now. */
  replaced: 4409,
  /** The user already has as many devices in the room as the server allows. */
  roomFull: 4429,
} as const;

export type AccountCloseCode = (typeof ACCOUNT_CLOSE_CODES)[keyof typeof ACCOUNT_CLOSE_CODES];

/** The id of the `n`th device to join `user`'s room. */
export function clientId(user: string, n: number): string {
  return `${user}-client-${n}`;
}

/** The id that always names the current broadcaster of `user`'s room. */
export function broadcasterAlias(user: string): string {
  return `${user}-broadcaster`;
}
