import type { ProfileName } from '@webrtc-connect/modem';

/** Main thread → decoder worker: start decoding the blocks that arrive on `blocks`. */
export interface DecoderStart {
  sampleRate: number;
  profile: ProfileName;
  blocks: MessagePort;
}

/** Decoder worker → main thread. */
export type DecoderReport =
  | { kind: 'ready' }
  | { kind: 'payload'; payload: Uint8Array }
  | { kind: 'level'; level: number }
  | { kind: 'error'; message: string };
