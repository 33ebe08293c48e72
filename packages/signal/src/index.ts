export { decodeSignal, type EncodeSignalOptions, encodeSignal } from './codec.ts';
export { isSignalError, SIGNAL_ERROR_CODES, SignalError, type SignalErrorCode } from './errors.ts';
export { fromLinkText, toLinkText } from './link-text.ts';
export {
  createLinkSecret,
  type OpenOptions,
  openSignal,
  type SealForm,
  type SealOptions,
  type SignalRole,
  sealSignal,
} from './seal.ts';
export type { SdpType, SessionDescription } from './session-description.ts';
export { fingerprintOf, shortAuthenticationString } from './short-auth-string.ts';
