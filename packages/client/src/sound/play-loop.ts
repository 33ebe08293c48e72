import { MAX_PAYLOAD, modulate, type ProfileName } from '@webrtc-connect/modem';
import { ConnectError } from '../errors.ts';
import type { PlayingSound, Speaker } from './sound-device.ts';

/**
 * Plays `payload` as one modem frame in a loop, followed by `gapSeconds` of silence each time
 * (a time for the other side to answer in, when both legs go by sound). `period` is the
 * loop's length in seconds.
 */
export async function playPayload(
  speaker: Speaker,
  payload: Uint8Array,
  options: { profile: ProfileName; gapSeconds?: number },
): Promise<PlayingSound & { period: number }> {
  checkPayloadSize(payload);
  const frame = modulate(payload, { sampleRate: speaker.sampleRate, profile: options.profile });
  const gap = Math.round((options.gapSeconds ?? 0) * speaker.sampleRate);
  const period = new Float32Array(frame.length + gap);
  period.set(frame);
  const playing = await speaker.loop(period);
  return {
    startedAt: playing.startedAt,
    period: period.length / speaker.sampleRate,
    stop: () => playing.stop(),
  };
}

export function checkPayloadSize(payload: Uint8Array): void {
  if (payload.length > MAX_PAYLOAD) {
    throw new ConnectError(
      'ERR_PAYLOAD_TOO_LARGE',
      `the signal is ${payload.length} bytes; sound carries at most ${MAX_PAYLOAD}`,
    );
  }
}
