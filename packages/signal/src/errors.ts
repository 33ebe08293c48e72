/**
 * Every failure of this package is a `SignalError` whose `code` is one of these. The
 * descriptions are the source of the README's error table (scripts/readme-tables.ts), so the
 * table cannot drift from the code.
 */
export const SIGNAL_ERROR_CODES = {
  ERR_INVALID_ARGUMENT:
    'An argument has the wrong type, length or range (for example a link secret that is not 16 to 32 bytes).',
  ERR_INVALID_DESCRIPTION:
    'The session description given to encodeSignal is not an offer, answer or pranswer with a well-formed SDP.',
  ERR_TRUNCATED:
    'The bytes end before the signal does: part of a link, code or transmission is missing.',
  ERR_UNKNOWN_VERSION:
    'The first byte names a format version this library does not know (made by a newer version, or not a signal at all).',
  ERR_MALFORMED_FIELD:
    'A field of the signal holds a value no valid signal has (bad length, reserved bits set, port 0, trailing bytes, ...).',
  ERR_MALFORMED_TEXT:
    'The link text is not canonical base64url (a character outside A-Z a-z 0-9 - _, or an impossible length).',
  ERR_TOO_LARGE: 'The input or its decompressed SDP is larger than a signal may be (64 KiB).',
  ERR_NO_WEBCRYPTO:
    'WebCrypto (crypto.subtle) is missing: browsers provide it only to secure contexts, pages served over https or from localhost.',
  ERR_AUTHENTICATION_FAILED:
    'A sealed signal did not open under this link secret and role: it was altered, forged, or sealed for another link.',
} as const;

export type SignalErrorCode = keyof typeof SIGNAL_ERROR_CODES;

/** The one error class of `@webrtc-connect/signal`; switch on `code`, never on `message`. */
export class SignalError extends Error {
  override readonly name = 'SignalError';
  readonly code: SignalErrorCode;

  constructor(code: SignalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isSignalError(value: unknown): value is SignalError {
  return value instanceof SignalError;
}
