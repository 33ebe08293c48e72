/**
 * Every error the mailbox answers with is `{ error: { code, message } }`, `code` one of these,
 * sent with the HTTP status beside it. Clients switch on `code`, never on `message`.
 */
export const MAILBOX_ERROR_CODES = {
  ERR_INVALID_JSON: 'The request body is not valid JSON.',
  ERR_INVALID_BODY:
    'The request body is not what the route takes (a missing or unknown field, a wrong type, a sealed blob that is not canonical base64url).',
  ERR_INVALID_ID: 'An offer id is not 16 characters of base64url.',
  ERR_INVALID_CODE:
    'A reply code is not 5 or 6 characters of Crockford base32 (0-9 and A-Z without U; I, L and O are read as 1, 1 and 0).',
  ERR_INVALID_ROLE: "A resume box's side is not `a` (the link's maker) or `b` (who opened it).",
  ERR_INVALID_QUERY:
    "A query parameter is malformed (wait is a whole number of seconds, 0 to 60; a resume box wait's after is a whole number, at most the last sequence number posted to that side).",
  ERR_UNSUPPORTED_MEDIA_TYPE: 'The request body is not application/json.',
  ERR_BODY_TOO_LARGE: 'The request body is larger than the server accepts.',
  ERR_BLOB_TOO_LARGE: 'The sealed blob is larger than the server stores (4096 bytes by default).',
  ERR_UNAUTHORIZED:
    'Waiting for a reply, or uploading a reserved offer, needs the header `authorization: Bearer <ownerToken>`; `/api/metrics` needs the metrics token the same way.',
  ERR_NOT_OWNER: 'The owner token does not belong to this offer.',
  ERR_NOT_FOUND:
    'No offer, reply or resume box has this id or code: it never existed, or expired long enough ago to be forgotten.',
  ERR_NO_ROUTE: 'No route has this method and path.',
  ERR_UPGRADE_REQUIRED: '`/api/account` is a WebSocket: it answers only an upgrade request.',
  ERR_UPGRADE_REFUSED:
    'Only `/api/account` upgrades, and only to WebSocket; any other upgrade (h2c, or a WebSocket elsewhere) is refused.',
  ERR_REQUEST_TIMEOUT:
    'The request line, headers and body did not all arrive in time (30 s by default); the connection is closed.',
  ERR_HEADERS_TOO_LARGE:
    'The request headers are larger than the server reads; the connection is closed.',
  ERR_OFFER_ALREADY_ANSWERED: 'The offer already has its reply; an offer takes one.',
  ERR_OFFER_ALREADY_SET:
    'The reserved offer already has its sealed blob; it is uploaded once, by its owner.',
  ERR_OFFER_NOT_SET:
    'The offer is reserved but its sealed blob is not uploaded yet, so it cannot be answered.',
  ERR_EXPIRED: 'The offer, reply or resume box expired (they live minutes).',
  ERR_OFFER_WITHDRAWN: 'The offer was withdrawn by its owner: the link was closed.',
  ERR_REPLY_ALREADY_READ:
    'The reply was already read, by its code or by the owner of its offer; a reply is read once.',
  ERR_RESUME_BOX_TAKEN: 'A resume box with this id already exists; a link makes its box once.',
  ERR_RESUME_BOX_FULL:
    'This side of the resume box holds as many sealed signals as it may (8) until the other side acknowledges them (or takes them).',
  ERR_RATE_LIMITED:
    'Too many requests, or too many unknown reply codes, from this client; retry after the seconds in `retry-after`.',
  ERR_TOO_MANY_CONNECTIONS:
    'This client address holds as many connections or requests at once as the server allows; retry when one ends.',
  ERR_SERVER_BUSY:
    'The server holds as many connections as it allows; the connection is closed: retry later.',
  ERR_MAILBOX_FULL:
    'The server holds as many offers, replies or resume boxes as it may; retry later.',
  ERR_TOO_MANY_WAITERS: 'The server holds as many waiting requests as it may; retry later.',
  ERR_STORE_UNAVAILABLE:
    'The shared store (Redis) is unreachable; the server reconnects by itself: retry after the seconds in `retry-after`.',
  ERR_BAD_REQUEST: 'The request is malformed in a way no other code describes.',
  ERR_INTERNAL: 'The server failed; the request may be retried.',
} as const;

export type MailboxErrorCode = keyof typeof MAILBOX_ERROR_CODES;

/** The HTTP status each error is sent with. */
export const MAILBOX_ERROR_STATUS = {
  ERR_INVALID_JSON: 400,
  ERR_INVALID_BODY: 400,
  ERR_INVALID_ID: 400,
  ERR_INVALID_CODE: 400,
  ERR_INVALID_ROLE: 400,
  ERR_INVALID_QUERY: 400,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_BODY_TOO_LARGE: 413,
  ERR_BLOB_TOO_LARGE: 413,
  ERR_UNAUTHORIZED: 401,
  ERR_NOT_OWNER: 403,
  ERR_NOT_FOUND: 404,
  ERR_NO_ROUTE: 404,
  ERR_UPGRADE_REQUIRED: 426,
  ERR_UPGRADE_REFUSED: 400,
  ERR_REQUEST_TIMEOUT: 408,
  ERR_HEADERS_TOO_LARGE: 431,
  ERR_OFFER_ALREADY_ANSWERED: 409,
  ERR_OFFER_ALREADY_SET: 409,
  ERR_OFFER_NOT_SET: 409,
  ERR_EXPIRED: 410,
  ERR_OFFER_WITHDRAWN: 410,
  ERR_REPLY_ALREADY_READ: 410,
  ERR_RESUME_BOX_TAKEN: 409,
  ERR_RESUME_BOX_FULL: 409,
  ERR_RATE_LIMITED: 429,
  ERR_TOO_MANY_CONNECTIONS: 429,
  ERR_SERVER_BUSY: 503,
  // 503 rather than 507: both are temporary, and every client and proxy knows 503 + retry-after.
  ERR_MAILBOX_FULL: 503,
  ERR_TOO_MANY_WAITERS: 503,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_BAD_REQUEST: 400,
  ERR_INTERNAL: 500,
} as const satisfies Record<MailboxErrorCode, number>;

export interface ErrorResponse {
  error: { code: MailboxErrorCode; message: string };
}

export function isMailboxErrorCode(value: unknown): value is MailboxErrorCode {
  return typeof value === 'string' && Object.hasOwn(MAILBOX_ERROR_CODES, value);
}
