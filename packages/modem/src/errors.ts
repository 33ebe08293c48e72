/**
 * Every failure of this package is a `ModemError` whose `code` is one of these. The
 * descriptions are the source of the README's error table (scripts/readme-tables.ts), so the
 * table cannot drift from the code. Decoding never throws: sound that holds no frame, or a
 * damaged one, simply yields no payload.
 */
export const MODEM_ERROR_CODES = {
  ERR_INVALID_ARGUMENT:
    'An argument has the wrong type or range (for example samples that are not a Float32Array).',
  ERR_UNKNOWN_PROFILE:
    'The profile is not one this modem knows (it knows "fast", "robust" and "narrowband").',
  ERR_UNSUPPORTED_SAMPLE_RATE:
    'The sample rate is not a finite number from 16000 (8000 for the narrowband profile) to 384000 Hz: the room profiles need up to 7 kHz of audio band, narrowband 3.4 kHz.',
  ERR_PAYLOAD_TOO_LARGE: 'The payload is longer than a frame carries (255 bytes).',
} as const;

export type ModemErrorCode = keyof typeof MODEM_ERROR_CODES;

/** The one error class of `@webrtc-connect/modem`; switch on `code`, never on `message`. */
export class ModemError extends Error {
  override readonly name = 'ModemError';
  readonly code: ModemErrorCode;

  constructor(code: ModemErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isModemError(value: unknown): value is ModemError {
  return value instanceof ModemError;
}
