import type { ProfileName } from '@webrtc-connect/modem';
import type { MuteSchedule } from '../sound-device.ts';

/** Main thread → decoder worker: start decoding the blocks that arrive on `blocks`. */
export interface DecoderStart {
  sampleRate: number;
  profiles: readonly ProfileName[];
  blocks: MessagePort;
  /** In the AudioContext's time, as the blocks' `time`. */
  mute?: MuteSchedule;
}

/** Capture worklet → decoder worker: samples, and the context time of the first one. */
export interface CapturedBlock {
  samples: Float32Array;
  time: number;
}

/** Decoder worker → main thread. */
export type DecoderReport =
  | { kind: 'ready' }
  | { kind: 'payload'; payload: Uint8Array; profile: ProfileName }
  | { kind: 'level'; level: number }
  | { kind: 'error'; message: string };
