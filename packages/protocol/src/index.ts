/**
 * `@webrtc-connect/protocol`: the wire protocols of the mailbox and of account rooms
 * (types, JSON schemas, limits, error codes, reply-code spelling). Runtime-neutral: no Node
 * APIs, no dependencies, so the browser client imports it as the server does.
 */
export {
  ACCOUNT_ERROR_CLOSE,
  ACCOUNT_ERROR_CODES,
  ACCOUNT_FINAL_ERRORS,
  ACCOUNT_RETRIED_TOKEN_ERRORS,
  type AccountErrorCode,
  type AccountFinalErrorCode,
  isAccountErrorCode,
  isAccountFinalError,
} from './account-errors.ts';
export {
  ACCOUNT_CLOSE_CODES,
  ACCOUNT_PATHS,
  ACCOUNT_PROTOCOL_VERSION,
  type AccountCloseCode,
  broadcasterAlias,
  clientId,
  DEFAULT_DEVICE_KEEP_SECONDS,
  DEFAULT_HEARTBEAT_MS,
  DEV_TOKEN_TTL_SECONDS,
  HELLO_TIMEOUT_MS,
  IDLE_HEARTBEAT_FACTOR,
  MAX_DEVICE_ID_LENGTH,
  MAX_FRAME_BYTES,
  MAX_SIGNAL_DATA_BYTES,
  MAX_TOKEN_LENGTH,
  SILENCE_HEARTBEATS,
  UNREACHABLE_AFTER_MS,
  USER_ID_PATTERN,
  USER_NAME_PATTERN,
} from './account-limits.ts';
export type {
  AccountErrorFrame,
  ChallengeFrame,
  DeviceFrame,
  DevicePublicKey,
  DevSignInRequest,
  DevSignInResponse,
  HelloFrame,
  JsonValue,
  LeaveFrame,
  PingFrame,
  PongFrame,
  ProofFrame,
  RelayedSignalFrame,
  RoomFrame,
  RoomMemberView,
  RoomView,
  ServerFrame,
  SignalFrame,
  SignInOptionsResponse,
  UnreachableFrame,
  WelcomeFrame,
} from './account-messages.ts';
export {
  type DeviceFrameType,
  deviceFrameSchemas,
  devicePublicKeySchema,
  devSignInSchema,
  serverFrameSchemas,
} from './account-schemas.ts';
export {
  DEVICE_KEY_ALGORITHM,
  DEVICE_KEY_COORDINATE_PATTERN,
  DEVICE_SIGNATURE_ALGORITHM,
  deviceProofText,
  devicePublicKeyOf,
} from './device-proof.ts';
export {
  type ErrorResponse,
  isMailboxErrorCode,
  MAILBOX_ERROR_CODES,
  MAILBOX_ERROR_STATUS,
  type MailboxErrorCode,
} from './errors.ts';
export { checkServerFrame, schemaProblem } from './frame-check.ts';
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
  type IceServer,
  type IceServersResponse,
  MAILBOX_PATHS,
  type OwnReplyResponse,
  type PostOfferRequest,
  type PostOfferResponse,
  type PostReplyRequest,
  type PostReplyResponse,
  type PutOfferRequest,
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
