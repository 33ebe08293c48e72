import type { ProfileName } from '@webrtc-connect/modem';

/**
 * What the sound way needs of a device, kept abstract so the flows run anywhere: the browser's
 * Web Audio (`webAudioSound`), or a simulated room in tests.
 */
export interface Speaker {
  /** The rate the speaker plays at: samples handed to `loop` are made for it. */
  readonly sampleRate: number;
  /** Plays `samples` over and over, without a gap between copies, until stopped. */
  loop(samples: Float32Array): Promise<PlayingSound>;
}

export interface PlayingSound {
  /** When the first sample reaches the speaker, in seconds of the device's clock (`Clocked`). */
  readonly startedAt: number;
  stop(): void;
}

/**
 * Times the microphone hears nothing: from `start`, every `period` seconds, for `duration`
 * seconds (the device's clock, as `PlayingSound.startedAt`). A device that plays its own frame
 * in a loop is deaf to the other device meanwhile, and its own loud frame would only spoil the
 * earlier copies the demodulator combines: a half-duplex radio mutes its receiver the same way.
 */
export interface MuteSchedule {
  start: number;
  period: number;
  duration: number;
}

export interface ListenHandlers {
  /** The profiles to decode, each with its own demodulator (`createDemodulators`). */
  profiles: readonly ProfileName[];
  /**
   * Each payload a demodulator returns (every copy of a looped frame, in order), with the
   * profile it was sent in.
   */
  onPayload(payload: Uint8Array, profile: ProfileName): void;
  /** The input's level in dBFS (RMS), about ten times a second. */
  onLevel(level: number): void;
  /** Silence the input at these times (while this device's own loop plays). */
  mute?: MuteSchedule;
}

export interface Microphone {
  /**
   * Starts capturing and decoding (off the main thread in browsers). Fails with
   * ERR_MICROPHONE_REFUSED, ERR_NO_MICROPHONE or ERR_AUDIO_UNAVAILABLE.
   */
  listen(handlers: ListenHandlers): Promise<Listening>;
}

export interface Listening {
  /** The live input, for a spectrum display (Web Audio only). */
  readonly analyser?: AnalyserNode;
  /**
   * The rate the microphone itself reports (Web Audio: its track's settings), when it does.
   * Below 32 kHz it is a headset in its call mode or a phone line: only the `narrowband`
   * profile gets through such a microphone.
   */
  readonly microphoneRate?: number;
  stop(): void;
}

/** A speaker and a microphone together, as `webAudioSound()` makes them. */
export interface SoundDevice {
  speaker: Speaker;
  microphone: Microphone;
  /** Stops everything and releases the audio context. */
  close(): void;
}
