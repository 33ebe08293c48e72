export {
  AMBIENCES,
  ambience,
  inBandPower,
  occupiedBand,
  type PlaybackOptions,
  playInRoom,
  type RecordingOptions,
  record,
} from './channel.ts';
export { DAMAGES, type Damage, damagedTransmission } from './damage.ts';
export { type BandLimit, PHONE_MICROPHONE, PHONE_SPEAKER } from './filters.ts';
export type { InterferenceKind } from './interference.ts';
export type { NoiseColour } from './noise.ts';
export { createRandom, type Random } from './random.ts';
export type { RoomOptions } from './reverb.ts';
export {
  babble,
  PHONE_BAND,
  PHONE_CODECS,
  PHONE_RATE,
  type PhoneCallOptions,
  type PhoneCodec,
  phoneCall,
  phoneLine,
  throughCodec,
} from './telephone.ts';
