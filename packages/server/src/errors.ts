import {
  MAILBOX_ERROR_CODES,
  MAILBOX_ERROR_STATUS,
  type MailboxErrorCode,
} from './protocol/index.ts';

export type ServerErrorCode = MailboxErrorCode | 'ERR_INVALID_CONFIG';

/**
 * Every failure of this package is a `ServerError` whose `code` is one of these: the mailbox's
 * wire codes (with the HTTP status they are sent with) and configuration errors. The source of
 * the README's error table (scripts/error-table.ts).
 */
export const SERVER_ERROR_CODES: Readonly<Record<ServerErrorCode, string>> = {
  ...(Object.fromEntries(
    Object.entries(MAILBOX_ERROR_CODES).map(([code, meaning]) => [
      code,
      `HTTP ${MAILBOX_ERROR_STATUS[code as MailboxErrorCode]}. ${meaning}`,
    ]),
  ) as Record<MailboxErrorCode, string>),
  ERR_INVALID_CONFIG:
    'A server option, flag or environment variable has a wrong value (the message names it); thrown before the server starts.',
};

/** The one error class of `@webrtc-connect/server`; switch on `code`, never on `message`. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly code: ServerErrorCode;
  /** The HTTP status the error is answered with (500 for configuration errors). */
  readonly statusCode: number;
  /** Sent as `retry-after` (seconds) with 429 and 503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ServerErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.code = code;
    this.statusCode = code === 'ERR_INVALID_CONFIG' ? 500 : MAILBOX_ERROR_STATUS[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isServerError(value: unknown): value is ServerError {
  return value instanceof ServerError;
}
