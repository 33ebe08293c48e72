export type { AccountOptions } from './account/account-options.ts';
export type { JwtOptions } from './account/jwt-options.ts';
export { type OidcOptions, oidcOrigins } from './account/oidc-discovery.ts';
export type {
  InstanceHooks,
  RoomDraft,
  RoomEvent,
  RoomMember,
  RoomState,
  RoomStore,
  SignalEvent,
  StateEvent,
} from './account/room-store.ts';
export { MAX_USER_CLAIM_LENGTH, spellUser } from './account/user-spelling.ts';
export { FLAG_TABLE, HELP, parseServeArgs, runCli, serverVersion } from './cli.ts';
export { isServerError, SERVER_ERROR_CODES, ServerError, type ServerErrorCode } from './errors.ts';
export type * from './mailbox/mailbox-store.ts';
export type {
  CreateResumeBoxResult,
  NumberedResumeSignal,
  PostResumeSignalResult,
  ResumeBoxStore,
  ResumeSide,
  SignalsAfterResult,
  TakeResumeSignalsResult,
} from './mailbox/resume-box-store.ts';
export { createServer } from './server.ts';
export type { LogLevel, RateLimit, ServerOptions } from './server-options.ts';
export { type StartedServer, type StartServerOptions, startServer } from './start-server.ts';
export {
  MemoryMailboxStore,
  type MemoryStoreOptions,
} from './store/memory/memory-mailbox-store.ts';
export {
  MemoryResumeBoxStore,
  type MemoryResumeBoxStoreOptions,
} from './store/memory/memory-resume-box-store.ts';
export {
  MemoryRoomStore,
  type MemoryRoomStoreOptions,
} from './store/memory/memory-room-store.ts';
export { type LinkState, RedisLink, type RedisLinkOptions } from './store/redis/redis-link.ts';
export {
  RedisMailboxStore,
  type RedisMailboxStoreOptions,
} from './store/redis/redis-mailbox-store.ts';
export {
  RedisResumeBoxStore,
  type RedisResumeBoxStoreOptions,
} from './store/redis/redis-resume-box-store.ts';
export { RedisRoomStore, type RedisRoomStoreOptions } from './store/redis/redis-room-store.ts';
