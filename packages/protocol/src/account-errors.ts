import { ACCOUNT_CLOSE_CODES, type AccountCloseCode } from './account-limits.ts';

/**
 * The codes of `{ type: "error", code, message }` frames on an account socket. Clients switch
 * on `code`, never on `message`. Fatal ones are followed by the close code beside them.
 */
export const ACCOUNT_ERROR_CODES = {
  ERR_INVALID_FRAME:
    'A frame is not a JSON text frame of a known type with exactly the fields the protocol gives it (binary, broken JSON, unknown type, missing, extra or mistyped fields), or is not allowed in this state.',
  ERR_FRAME_TOO_LARGE: 'A frame is larger than 32 KiB; it was dropped.',
  ERR_SIGNAL_TOO_LARGE: "A signal's data is larger than 16 KiB of JSON; it was not relayed.",
  ERR_TOO_MANY_FRAMES:
    'The device sends more frames a second than the server allows; the extra frames were dropped.',
  ERR_HELLO_REQUIRED: 'The first frame on an account socket must be a hello.',
  ERR_HELLO_TIMEOUT: 'No hello arrived within 10 seconds of opening the socket.',
  ERR_UNSUPPORTED_VERSION: 'The hello names a protocol version this server does not speak.',
  ERR_ACCOUNTS_DISABLED:
    'This server has no sign-in configured (no JWT key source and no development sign-in).',
  ERR_TOKEN_MISSING: 'The hello carries no token.',
  ERR_TOKEN_MALFORMED: 'The token is not a JWT (three base64url parts with a JSON header).',
  ERR_TOKEN_SIGNATURE:
    'The token was not signed by a key this server trusts, or was altered after signing.',
  ERR_TOKEN_ALGORITHM:
    'The token is signed with an algorithm this server does not accept (none, HMAC where a public key is configured, or the reverse).',
  ERR_TOKEN_EXPIRED: 'The token expired (its exp claim is past): sign in again.',
  ERR_TOKEN_NOT_YET_VALID: 'The token is not valid yet (its nbf claim is in the future).',
  ERR_TOKEN_ISSUER: 'The token was issued by another issuer than the one this server trusts.',
  ERR_TOKEN_AUDIENCE: 'The token was issued for another audience than this server.',
  ERR_TOKEN_SUBJECT:
    'The token has no claim naming the user (sub, or the one the server is configured with), or one that is empty, over 1,024 characters or not well-formed text.',
  ERR_TOKEN_CLAIMS: 'A claim the server requires (exp) is missing or has the wrong type.',
  ERR_AUTH_UNAVAILABLE:
    "The server could not fetch the identity provider's keys (JWKS) to check the token; retry later.",
  ERR_ROOM_FULL: "The user's room holds as many devices as the server allows.",
  ERR_SERVER_FULL: 'The server holds as many account sockets as it allows; retry later.',
  ERR_ROOM_UNAVAILABLE: 'The room store failed or stayed busy; reconnect.',
  ERR_RELAY_UNAVAILABLE:
    'The shared store (Redis) is unreachable for a moment, so the signal or report had no effect; the socket stays open and the server reconnects by itself: send it again later.',
  ERR_UNKNOWN_DEVICE:
    "A signal names no device of this user's room (or the sender itself); nothing was relayed.",
  ERR_STALE_EPOCH:
    'An unreachable report names a broadcaster or epoch that is no longer current; nothing changed.',
  ERR_SILENT: 'The device sent no frame for 3 heartbeats and was removed from its room.',
  ERR_DEVICE_KEY:
    "The hello's device key is not an ECDSA P-256 public key (a JWK with kty EC, crv P-256, x and y), or the proof came without one.",
  ERR_DEVICE_PROOF:
    "The device's proof is not a valid signature of the server's challenge by its device key.",
  ERR_DEVICE_REPLACED:
    'Another socket proved the same device key and holds this device id now (the page was reloaded, or the device reconnected): this socket is closed.',
} as const;

export type AccountErrorCode = keyof typeof ACCOUNT_ERROR_CODES;

/** The close code that follows each fatal error; `null` for errors the socket survives. */
export const ACCOUNT_ERROR_CLOSE = {
  ERR_INVALID_FRAME: null,
  ERR_FRAME_TOO_LARGE: null,
  ERR_SIGNAL_TOO_LARGE: null,
  ERR_TOO_MANY_FRAMES: null,
  ERR_HELLO_REQUIRED: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_HELLO_TIMEOUT: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_UNSUPPORTED_VERSION: ACCOUNT_CLOSE_CODES.protocolError,
  ERR_ACCOUNTS_DISABLED: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_MISSING: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_MALFORMED: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_SIGNATURE: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_ALGORITHM: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_EXPIRED: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_NOT_YET_VALID: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_ISSUER: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_AUDIENCE: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_SUBJECT: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_TOKEN_CLAIMS: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_AUTH_UNAVAILABLE: ACCOUNT_CLOSE_CODES.tryAgainLater,
  ERR_ROOM_FULL: ACCOUNT_CLOSE_CODES.roomFull,
  ERR_SERVER_FULL: ACCOUNT_CLOSE_CODES.tryAgainLater,
  ERR_ROOM_UNAVAILABLE: ACCOUNT_CLOSE_CODES.tryAgainLater,
  ERR_RELAY_UNAVAILABLE: null,
  ERR_UNKNOWN_DEVICE: null,
  ERR_STALE_EPOCH: null,
  ERR_SILENT: ACCOUNT_CLOSE_CODES.silent,
  ERR_DEVICE_KEY: ACCOUNT_CLOSE_CODES.protocolError,
  ERR_DEVICE_PROOF: ACCOUNT_CLOSE_CODES.unauthorized,
  ERR_DEVICE_REPLACED: ACCOUNT_CLOSE_CODES.replaced,
} as const satisfies Record<AccountErrorCode, AccountCloseCode | null>;

/**
 * Refusals that joining again cannot cure, listed once for every client: the app has to sign
 * in again (a token refusal), or the server does not speak this protocol or has sign-in off, or
 * the device is in use elsewhere (joining again would take it back from there). Anything else
 * (the server restarting or full, its store or keys away, the network) is worth another try.
 * Some token refusals are final only after a few tries in a row: see ACCOUNT_RETRIED_TOKEN_ERRORS.
 */
export const ACCOUNT_FINAL_ERRORS = [
  'ERR_HELLO_REQUIRED',
  'ERR_HELLO_TIMEOUT',
  'ERR_UNSUPPORTED_VERSION',
  'ERR_ACCOUNTS_DISABLED',
  'ERR_TOKEN_MISSING',
  'ERR_TOKEN_MALFORMED',
  'ERR_TOKEN_SIGNATURE',
  'ERR_TOKEN_ALGORITHM',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_NOT_YET_VALID',
  'ERR_TOKEN_ISSUER',
  'ERR_TOKEN_AUDIENCE',
  'ERR_TOKEN_SUBJECT',
  'ERR_TOKEN_CLAIMS',
  'ERR_DEVICE_KEY',
  'ERR_DEVICE_PROOF',
  'ERR_DEVICE_REPLACED',
] as const satisfies readonly AccountErrorCode[];

export type AccountFinalErrorCode = (typeof ACCOUNT_FINAL_ERRORS)[number];

/**
 * Final refusals a moment may cure, so a client tries them a few times in a row before it gives
 * up: a signature by a key the provider has just published (the server fetches its keys
 * again), and, when the next try brings a fresh token, an expired or early one.
 */
export const ACCOUNT_RETRIED_TOKEN_ERRORS = {
  always: ['ERR_TOKEN_SIGNATURE'],
  withFreshToken: ['ERR_TOKEN_EXPIRED', 'ERR_TOKEN_NOT_YET_VALID'],
} as const satisfies Record<string, readonly AccountFinalErrorCode[]>;

export function isAccountFinalError(code: string | undefined): code is AccountFinalErrorCode {
  return (ACCOUNT_FINAL_ERRORS as readonly string[]).includes(code ?? '');
}

export function isAccountErrorCode(value: unknown): value is AccountErrorCode {
  return typeof value === 'string' && Object.hasOwn(ACCOUNT_ERROR_CODES, value);
}
