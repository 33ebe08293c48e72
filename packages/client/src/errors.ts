import type { AccountErrorCode } from '@webrtc-connect/protocol';

/**
 * Every failure of `webrtc-connect` is a `ConnectError` whose `code` is one of these; the
 * README's error table is generated from this record.
 */
export const CONNECT_ERROR_CODES = {
  ERR_INVALID_OPTIONS:
    'An option is missing or has the wrong type (for example no RTCPeerConnection implementation).',
  ERR_BAD_LINK: 'The link is not a WebRTC Connect link, or it was changed on the way.',
  ERR_LINK_INCOMPLETE:
    'The link is cut short: fewer characters than a link of its kind holds (copy it again, whole).',
  ERR_BAD_ANSWER: 'The pasted answer text is cut or changed, or is not an answer.',
  ERR_BAD_REPLY_CODE: 'The reply code is not 5 or 6 characters of Crockford base32.',
  ERR_NOT_FOUND: 'The mailbox knows no such offer or reply code: mistyped, or from another server.',
  ERR_EXPIRED: 'The offer or reply code has expired: make a new link.',
  ERR_WITHDRAWN:
    'The person who made the link closed it before anyone connected: ask them for a new link.',
  ERR_ALREADY_USED: 'The offer was already answered, or the reply code was already read.',
  ERR_RATE_LIMITED:
    'Too many requests or wrong codes from this client: wait a minute and try again.',
  ERR_MAILBOX: 'The mailbox server failed or could not be reached.',
  ERR_NO_MAILBOX: 'This step needs a mailbox server, and none was given.',
  ERR_FORGED:
    'A signal from the mailbox did not open under the link secret: it was altered or forged, so it was refused.',
  ERR_REPLAYED:
    'A resume signal came again, or out of order (its sequence number is not above the last one taken): refused.',
  ERR_WRONG_SIGNAL:
    'The signal is of the wrong kind here (an answer where an offer belongs, or the reverse).',
  ERR_CONNECTION_FAILED:
    'The peers exchanged signals but found no network path (ICE or DTLS failed).',
  ERR_TIMEOUT: 'The peers did not connect in time.',
  ERR_CLOSED: 'The link or connection was closed before this finished.',
  ERR_INVALID_ARGUMENT:
    'An argument has the wrong type, size or state (for example a text too long for one message, or an unordered data channel).',
  ERR_PEER_PROTOCOL:
    'The peer sent a message that is malformed or unexpected here (an unknown kind, a chunk of no announced file, more or fewer bytes than a file announced).',
  ERR_CANCELLED: 'A file transfer was cancelled, by this side or by the peer.',
  ERR_HASH_MISMATCH:
    "A received file's SHA-256 differs from the one its sender computed (its bytes were changed on the way, or the file changed on the sender's disk while a resumed transfer went on): it was not offered, and the sender's transfer failed with the same code.",
  ERR_ACCOUNT_REFUSED:
    "The account server refused this device (a bad or expired token, a full room or server, sign-in not configured, a bad device key or proof); the server's ERR_* code is the error's serverCode and starts the message.",
  ERR_ACCOUNT_PROTOCOL:
    'The account server sent a frame that does not follow the account protocol (malformed, of an unknown type, or out of place); it was ignored, or the join failed if it came before the welcome.',
  ERR_NO_TOKEN:
    "The application's token function failed or gave no token (its error is the cause); joining again tries it again.",
  ERR_ACCOUNT_SERVER:
    'The account server could not be reached, or its socket closed (the server stopped, found this device silent, or another session of this device took its place: serverCode ERR_DEVICE_REPLACED), or it stopped answering.',
  ERR_MICROPHONE_REFUSED:
    'The microphone was refused: the person or the browser denied access (or the page is not a secure context).',
  ERR_NO_MICROPHONE:
    'There is no microphone to listen with, or it could not be started (unplugged, or in use by another program).',
  ERR_SILENT_INPUT:
    'The microphone delivers only silence: it is muted or turned down, or the other device plays too quietly. Listening goes on.',
  ERR_PAYLOAD_TOO_LARGE:
    'The signal is too long to send by sound (more than 255 bytes): too many ICE candidates or servers.',
  ERR_SOUND_TIMEOUT:
    'Nothing decodable was heard in time: bring the devices closer, turn the volume up, or try the robust profile.',
  ERR_AUDIO_UNAVAILABLE:
    'This browser cannot play or record sound for the sound way (no Web Audio, AudioWorklet or Worker), or audio could not start.',
} as const;

export type ConnectErrorCode = keyof typeof CONNECT_ERROR_CODES;

/**
 * The one error class of `webrtc-connect`; switch on `code`, never on `message`. Errors of the
 * account way carry the server's own code too, as `serverCode` (ERR_TOKEN_EXPIRED,
 * ERR_ROOM_FULL, …: `ACCOUNT_ERROR_CODES` of `@webrtc-connect/protocol`).
 */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  readonly code: ConnectErrorCode;
  /** The account server's code for a refusal or a close, when it gave one. */
  readonly serverCode: AccountErrorCode | undefined;

  constructor(
    code: ConnectErrorCode,
    message: string,
    options?: { cause?: unknown; serverCode?: AccountErrorCode | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.serverCode = options?.serverCode;
  }
}

export function isConnectError(value: unknown): value is ConnectError {
  return value instanceof ConnectError;
}
