export type { WebSocketConstructor } from './account-socket.ts';
export type {
  AccountEvents,
  AccountMember,
  AccountMessage,
  AccountRejoined,
  AccountRole,
  AccountSession,
  AccountState,
  AccountToken,
  AccountTokenRequest,
  JoinAccountOptions,
} from './account-types.ts';
export { MAX_ACCOUNT_MESSAGE_BYTES } from './delivery.ts';
export { joinAccount } from './join-account.ts';
