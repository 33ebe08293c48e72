/**
 * Integrity trials: sound that holds no intact frame, which must never yield a payload that was
 * not sent. Half are sounds with no transmission at all (white and pink noise, speech-like and
 * music-like sounds, and mixtures), half are damaged transmissions (truncated, dropped out, hit
 * by a noise burst, with stretches of inverted polarity, colliding with or spliced into another
 * frame, or buried 12 dB under noise). Rates cycle through 16, 44.1 and 48 kHz; the frames
 * come from a pool of 32 per profile and rate, each trial damaging its own way.
 */
import { createDemodulator, modulate } from '@webrtc-connect/modem';
import {
  AMBIENCES,
  ambience,
  createRandom,
  DAMAGES,
  damagedTransmission,
} from '../packages/modem/test/channel/index.ts';

export interface IntegrityTask {
  profile: 'fast' | 'robust';
  first: number;
  count: number;
}

export interface IntegrityResult extends IntegrityTask {
  /** Payloads returned that were not sent. */
  wrong: number;
  /** Intact payloads returned from damaged transmissions (the FEC repaired the damage). */
  repaired: number;
  /** Frames whose header held but whose payload checksum failed: the checks at work. */
  rejected: number;
  detections: number;
  audioSeconds: number;
  decodeSeconds: number;
}

const RATES = [16000, 44100, 16000, 48000];
/** Frames per profile and rate, reused across trials with different damage. */
const FRAME_POOL = 32;

interface FramePair {
  payloads: [Uint8Array, Uint8Array];
  frames: [Float32Array, Float32Array];
}

const pairs = new Map<string, FramePair>();

/** Two frames of one length (1 to 160 bytes) and different payloads, for collisions and splices. */
function framePair(profile: 'fast' | 'robust', sampleRate: number, index: number): FramePair {
  const key = `${profile} ${sampleRate} ${index}`;
  let pair = pairs.get(key);
  if (!pair) {
    const random = createRandom(0xfa3e + index);
    const length = 1 + Math.floor(random.uniform() * 160);
    const bytes = () => Uint8Array.from({ length }, () => Math.floor(random.uniform() * 256));
    const payloads: [Uint8Array, Uint8Array] = [bytes(), bytes()];
    const frames = payloads.map((payload) => modulate(payload, { sampleRate, profile })) as [
      Float32Array,
      Float32Array,
    ];
    pair = { payloads, frames };
    pairs.set(key, pair);
  }
  return pair;
}

export function runIntegrity(task: IntegrityTask): IntegrityResult {
  const result: IntegrityResult = {
    ...task,
    wrong: 0,
    repaired: 0,
    rejected: 0,
    detections: 0,
    audioSeconds: 0,
    decodeSeconds: 0,
  };
  for (let trial = task.first; trial < task.first + task.count; trial += 1) {
    const random = createRandom(0x1e6 + trial * 7919 + (task.profile === 'fast' ? 0 : 1));
    const sampleRate = RATES[trial % RATES.length] as number;
    const sent: Uint8Array[] = [];
    let sound: Float32Array;
    if (trial % 2 === 0) {
      const kind = AMBIENCES[(trial >> 1) % AMBIENCES.length] as (typeof AMBIENCES)[number];
      sound = ambience({ sampleRate, duration: 1.5, ...kind, levelDb: 0, seed: random.seed() });
    } else {
      const pair = framePair(task.profile, sampleRate, Math.floor(random.uniform() * FRAME_POOL));
      sent.push(...pair.payloads);
      const damage = DAMAGES[(trial >> 1) % DAMAGES.length] as (typeof DAMAGES)[number];
      sound = damagedTransmission(pair.frames[0], pair.frames[1], sampleRate, damage, random);
    }
    const started = process.hrtime.bigint();
    const demodulator = createDemodulator({ sampleRate, profile: task.profile });
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < sound.length; i += 4096)
      payloads.push(...demodulator.push(sound.subarray(i, i + 4096)));
    result.decodeSeconds += Number(process.hrtime.bigint() - started) / 1e9;
    result.audioSeconds += sound.length / sampleRate;
    for (const payload of payloads) {
      const known = sent.some(
        (candidate) =>
          candidate.length === payload.length && candidate.every((v, i) => v === payload[i]),
      );
      if (known) result.repaired += 1;
      else result.wrong += 1;
    }
    result.rejected += demodulator.stats.rejected;
    result.detections += demodulator.stats.detections;
  }
  return result;
}
