export type { Connection } from './core/connection.ts';
export {
  FileResume,
  type FileResumeEvents,
  type FileResumeOptions,
  type KeptTexts,
  type ReceivedBytesStore,
} from './core/file-resume.ts';
export { getIceServers } from './core/ice-servers.ts';
export {
  createMessenger,
  type FileDescription,
  type Messenger,
  type MessengerEvents,
  type MessengerOptions,
  type OutgoingFile,
  type ReceivedFile,
  type SendFileOptions,
} from './core/messenger.ts';
export type { PeerConnectionConstructor, PeerOptions } from './core/peer-options.ts';
export {
  CONNECT_ERROR_CODES,
  ConnectError,
  type ConnectErrorCode,
  isConnectError,
} from './errors.ts';
