export {
  createDemodulator,
  type Demodulator,
  type DemodulatorOptions,
  type DemodulatorStats,
} from './demod/demodulator.ts';
export {
  createDemodulators,
  type Demodulators,
  type DemodulatorsOptions,
  type HeardFrame,
  PROFILE_NAMES,
} from './demod/demodulators.ts';
export { isModemError, MODEM_ERROR_CODES, ModemError, type ModemErrorCode } from './errors.ts';
export { frameDuration, type ModulateOptions, modulate } from './modulate.ts';
export { MAX_PAYLOAD, type ProfileName } from './profiles.ts';
