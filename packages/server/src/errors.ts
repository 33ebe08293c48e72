import {
  ACCOUNT_ERROR_CLOSE,
  ACCOUNT_ERROR_CODES,
  type AccountErrorCode,
  isMailboxErrorCode,
  MAILBOX_ERROR_CODES,
  MAILBOX_ERROR_STATUS,
  type MailboxErrorCode,
} from '@webrtc-connect/protocol';

export type ServerErrorCode = MailboxErrorCode | AccountErrorCode | 'ERR_INVALID_CONFIG';

/**
 * Every failure of this package is a `ServerError` whose `code` is one of these: the mailbox's
 * wire codes (with the HTTP status they are sent with), the account socket's (with the close
 * code that follows the fatal ones) and configuration errors. The source of the README's
 * error table (scripts/readme-tables.ts).
 */
export const SERVER_ERROR_CODES: Readonly<Record<ServerErrorCode, string>> = {
  ...(Object.fromEntries(
    Object.entries(MAILBOX_ERROR_CODES).map(([code, meaning]) => [
      code,
      `HTTP ${MAILBOX_ERROR_STATUS[code as MailboxErrorCode]}. ${meaning}`,
    ]),
  ) as Record<MailboxErrorCode, string>),
  ...(Object.fromEntries(
    Object.entries(ACCOUNT_ERROR_CODES).map(([code, meaning]) => {
      const close = ACCOUNT_ERROR_CLOSE[code as AccountErrorCode];
      return [code, `Account socket${close === null ? '' : `, then close ${close}`}. ${meaning}`];
    }),
  ) as Record<AccountErrorCode, string>),
  ERR_INVALID_CONFIG:
    'A server option, flag or environment variable has a wrong value (the message names it); thrown before the server starts.',
};

/** The one error class of `@webrtc-connect/server`; switch on `code`, never on `message`. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly code: ServerErrorCode;
  /** The HTTP status a mailbox error is answered with (500 for the others, never sent). */
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
    this.statusCode = isMailboxErrorCode(code) ? MAILBOX_ERROR_STATUS[code] : 500;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isServerError(value: unknown): value is ServerError {
  return value instanceof ServerError;
}
