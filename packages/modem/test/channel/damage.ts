/**
 * Transmissions that go wrong, for integrity tests: whatever the receiver makes of them, it
 * must never return a payload that was not sent. Each is one frame (not looped) in light noise,
 * damaged in one way.
 */
import { noise } from './noise.ts';
import type { Random } from './random.ts';

export type Damage =
  | 'truncated'
  | 'dropout'
  | 'burst'
  | 'polarity'
  | 'collision'
  | 'splice'
  | 'buried';

export const DAMAGES: Damage[] = [
  'truncated',
  'dropout',
  'burst',
  'polarity',
  'collision',
  'splice',
  'buried',
];

function rms(samples: Float32Array): number {
  let sum = 0;
  for (const value of samples) sum += value * value;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/**
 * `frame` damaged as `kind` says, with 0.3 s before and 0.5 s after. `other` is a second frame
 * of the same profile and payload length but another payload (for collisions and splices).
 */
export function damagedTransmission(
  frame: Float32Array,
  other: Float32Array,
  sampleRate: number,
  kind: Damage,
  random: Random,
): Float32Array {
  const lead = Math.round(0.3 * sampleRate);
  const out = new Float32Array(lead + frame.length + Math.round(0.5 * sampleRate));
  out.set(frame, lead);
  const level = rms(frame);
  const span = (low: number, high: number) => Math.round(random.between(low, high) * sampleRate);
  const inside = (length: number) =>
    lead + Math.floor(random.uniform() * Math.max(1, frame.length - length));
  switch (kind) {
    case 'truncated': {
      out.fill(0, lead + Math.floor(random.between(0.2, 0.98) * frame.length));
      break;
    }
    case 'dropout': {
      const length = span(0.05, 0.4);
      const start = inside(length);
      out.fill(0, start, start + length);
      break;
    }
    case 'burst': {
      const length = span(0.05, 0.3);
      const start = inside(length);
      const burst = noise(length, 'white', random);
      for (let i = 0; i < length; i += 1)
        out[start + i] = (out[start + i] as number) + 3 * level * (burst[i] as number);
      break;
    }
    case 'polarity': {
      for (let n = 1 + Math.floor(random.uniform() * 4); n > 0; n -= 1) {
        const length = span(0.02, 0.1);
        const start = inside(length);
        for (let i = start; i < start + length; i += 1) out[i] = -(out[i] as number);
      }
      break;
    }
    case 'collision': {
      const offset = lead + Math.floor(random.between(-0.8, 0.8) * frame.length);
      const gain = random.between(0.5, 1.5);
      for (let i = 0; i < other.length; i += 1) {
        const at = offset + i;
        if (at >= 0 && at < out.length) out[at] = (out[at] as number) + gain * (other[i] as number);
      }
      break;
    }
    case 'splice': {
      const cut = Math.floor(random.between(0.3, 0.9) * Math.min(frame.length, other.length));
      out.set(other.subarray(cut, frame.length), lead + cut);
      break;
    }
    case 'buried':
      break;
  }
  // Background noise: light, except when the frame is buried 12 dB under it.
  const background = noise(out.length, 'white', random);
  const noiseLevel = kind === 'buried' ? level * 10 ** (12 / 20) : level * 0.05;
  for (let i = 0; i < out.length; i += 1)
    out[i] = (out[i] as number) + noiseLevel * (background[i] as number);
  return out;
}
