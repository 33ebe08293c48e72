import { MAX_PAYLOAD, modulate, type ProfileName } from '@webrtc-connect/modem';
import { ConnectError } from '../errors.ts';
import type { PlayingSound, Speaker } from './sound-device.ts';

/**
 * Plays `payload` as one modem frame in a loop, followed by `gapSeconds` of silence each time
 * (a time for the other side to answer in, when both legs go by sound).
 */
export async function playPayload(
  speaker: Speaker,
  payload: Uint8Array,
  options: { profile: ProfileName; gapSeconds?: number },
): Promise<PlayingSound> {
  checkPayloadSize(payload);
  const frame = modulate(payload, { sampleRate: speaker.sampleRate, profile: options.profile });
  const gap = Math.round((options.gapSeconds ?? 0) * speaker.sampleRate);
  const period = new Float32Array(frame.length + gap);
  period.set(frame);
  return speaker.loop(period);
}

export function checkPayloadSize(payload: Uint8Array): void {
  if (payload.length > MAX_PAYLOAD) {
    throw new ConnectError(
      'ERR_PAYLOAD_TOO_LARGE',
      `the signal is ${payload.length} bytes; sound carries at most ${MAX_PAYLOAD}`,
    );
  }
}
