import { modulate } from '@webrtc-connect/modem';
import {
  createRandom,
  type NoiseColour,
  PHONE_MICROPHONE,
  PHONE_SPEAKER,
  playInRoom,
  record,
} from './channel/index.ts';
import { receive, sameBytes } from './helpers.ts';

export interface TrialChannel {
  profile: 'fast' | 'robust';
  snrDb?: number;
  noise?: NoiseColour;
  rt60?: number;
  drrDb?: number;
  clipDb?: number;
}

/**
 * One transmission of a random 120-byte payload through a simulated room: the sender loops the
 * frame at 44.1 or 48 kHz, the receiver records at the other rate with its clock 0.1% fast or
 * slow, joining the loop at a random point and listening until 0.25 s after the first whole
 * frame. Returns whether the payload came out, and how many other payloads did (must be none).
 */
export function trial(channel: TrialChannel, seed: number): { success: boolean; wrong: number } {
  const random = createRandom(seed);
  const txRate = seed % 2 === 0 ? 48000 : 44100;
  const rxRate = txRate === 48000 ? 44100 : 48000;
  const payload = Uint8Array.from({ length: 120 }, () => Math.floor(random.uniform() * 256));
  const frame = modulate(payload, { sampleRate: txRate, profile: channel.profile });
  const airtime = frame.length / txRate;
  const period = playInRoom(frame, {
    sampleRate: txRate,
    speaker: PHONE_SPEAKER,
    ...(channel.clipDb === undefined ? {} : { clipDb: channel.clipDb }),
    ...(channel.rt60 === undefined
      ? {}
      : { room: { rt60: channel.rt60, drrDb: channel.drrDb ?? 0 } }),
    seed: random.seed(),
  });
  const start = random.between(0, airtime);
  const recording = record(period, {
    txRate,
    rxRate,
    clockOffset: random.uniform() < 0.5 ? -1e-3 : 1e-3,
    start,
    duration: 2 * airtime - start + 0.25,
    band: [1000, 7000],
    ...(channel.snrDb === undefined
      ? {}
      : { snrDb: channel.snrDb, noise: channel.noise ?? 'white' }),
    microphone: PHONE_MICROPHONE,
    seed: random.seed(),
  });
  const { payloads } = receive(recording, { sampleRate: rxRate, profile: channel.profile });
  return {
    success: payloads.some((p) => sameBytes(p, payload)),
    wrong: payloads.filter((p) => !sameBytes(p, payload)).length,
  };
}

export function trials(
  channel: TrialChannel,
  count: number,
  firstSeed: number,
): { successes: number; wrong: number } {
  let successes = 0;
  let wrong = 0;
  for (let i = 0; i < count; i += 1) {
    const outcome = trial(channel, firstSeed + i);
    if (outcome.success) successes += 1;
    wrong += outcome.wrong;
  }
  return { successes, wrong };
}
