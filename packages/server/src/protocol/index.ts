/**
 * `@webrtc-connect/server/protocol`: the mailbox's wire protocol (types, JSON schemas, limits,
 * error codes, reply-code spelling). Runtime-neutral: no Node APIs, no dependencies, so the
 * browser client imports it as the server does.
 */
export {
  type ErrorResponse,
  isMailboxErrorCode,
  MAILBOX_ERROR_CODES,
  MAILBOX_ERROR_STATUS,
  type MailboxErrorCode,
} from './errors.ts';
export {
  base64urlLength,
  DEFAULT_WAIT_SECONDS,
  MAX_SEALED_BYTES,
  MAX_WAIT_SECONDS,
  OFFER_ID_LENGTH,
  OWNER_TOKEN_LENGTH,
  REPLY_CODE_ALPHABET,
  REPLY_CODE_MAX_LENGTH,
  REPLY_CODE_MIN_LENGTH,
} from './limits.ts';
export {
  type GetOfferResponse,
  type GetReplyResponse,
  type HealthResponse,
  MAILBOX_PATHS,
  type OwnReplyResponse,
  type PostOfferRequest,
  type PostOfferResponse,
  type PostReplyRequest,
  type PostReplyResponse,
} from './messages.ts';
export { normaliseReplyCode, REPLY_CODE_PATTERN } from './reply-code.ts';
export {
  errorResponseSchema,
  type MailboxSchemas,
  mailboxSchemas,
  offerIdSchema,
  replyCodeSchema,
  sealedSchema,
} from './schemas.ts';
