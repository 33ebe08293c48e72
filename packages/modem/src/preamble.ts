/**
 * The preamble: the same 64 ms block several times, then once negated. A Zadoff-Chu sequence
 * across the 384 carriers gives every carrier the same power (so the blocks double as a channel
 * estimate) and a nearly constant envelope (so it plays loud without clipping). Repetition makes
 * the preamble periodic, and a periodic signal stays periodic through any room, however long its
 * echoes: the receiver detects it by comparing each block with the one before, which works
 * whatever the reverberation, and reads the clock offset from how the phase turns from block to
 * block. The negated last block marks where the data begins.
 */
import { Fft } from './dsp/fft.ts';
import { carrierBin, FFT_SIZE, type Profile } from './profiles.ts';

/** The largest prime below the profile's carrier count: a Zadoff-Chu sequence needs one. */
function zadoffChuLength(carriers: number): number {
  for (let n = carriers - 1; n > 2; n -= 1) {
    let prime = true;
    for (let d = 2; d * d <= n; d += 1) if (n % d === 0) prime = false;
    if (prime) return n;
  }
  return carriers;
}

export interface Preamble {
  /** The template's value on each carrier (unit magnitude). */
  readonly re: Float64Array;
  readonly im: Float64Array;
  /** One block in time, FFT_SIZE baseband samples. */
  readonly blockRe: Float64Array;
  readonly blockIm: Float64Array;
  /** Sign of each block: +1 for the repeated ones, -1 for the last. */
  readonly signs: readonly number[];
}

const cache = new Map<number, Preamble>();

export function preambleOf(profile: Profile): Preamble {
  const cached = cache.get(profile.id);
  if (cached) return cached;
  const re = new Float64Array(profile.carriers);
  const im = new Float64Array(profile.carriers);
  const blockRe = new Float64Array(FFT_SIZE);
  const blockIm = new Float64Array(FFT_SIZE);
  const length = zadoffChuLength(profile.carriers);
  for (let k = 0; k < profile.carriers; k += 1) {
    const n = k % length;
    const phase = (-Math.PI * profile.preambleRoot * n * (n + 1)) / length;
    re[k] = Math.cos(phase);
    im[k] = Math.sin(phase);
    blockRe[carrierBin(profile, k)] = re[k]!;
    blockIm[carrierBin(profile, k)] = im[k]!;
  }
  new Fft(FFT_SIZE).inverse(blockRe, blockIm);
  const signs = [...Array.from({ length: profile.preambleBlocks }, () => 1), -1];
  const preamble = { re, im, blockRe, blockIm, signs };
  cache.set(profile.id, preamble);
  return preamble;
}
