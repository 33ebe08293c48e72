export {
  type AnswerListener,
  listenForAnswer,
  type PlayAnswerOptions,
  playAnswer,
  type SoundPlayback,
} from './answer-by-sound.ts';
export {
  answerBySound,
  offerBySound,
  offerSilence,
  type SoundAnswerer,
  type SoundLegOptions,
  type SoundOffer,
} from './both-legs.ts';
export { type ListenOptions, SILENCE_LEVEL_DBFS } from './listen.ts';
export type {
  ListenHandlers,
  Listening,
  Microphone,
  MuteSchedule,
  PlayingSound,
  SoundDevice,
  Speaker,
} from './sound-device.ts';
export { type WebAudioSoundOptions, webAudioSound } from './web-audio/web-audio-sound.ts';
