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
import { CARRIERS, carrierBin, FFT_SIZE, type Profile } from './profiles.ts';

const ZC_LENGTH = 383; // the largest prime below CARRIERS

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
  const re = new Float64Array(CARRIERS);
  const im = new Float64Array(CARRIERS);
  const blockRe = new Float64Array(FFT_SIZE);
  const blockIm = new Float64Array(FFT_SIZE);
  for (let k = 0; k < CARRIERS; k += 1) {
    const n = k % ZC_LENGTH;
    const phase = (-Math.PI * profile.preambleRoot * n * (n + 1)) / ZC_LENGTH;
    re[k] = Math.cos(phase);
    im[k] = Math.sin(phase);
    blockRe[carrierBin(k)] = re[k] as number;
    blockIm[carrierBin(k)] = im[k] as number;
  }
  new Fft(FFT_SIZE).inverse(blockRe, blockIm);
  const signs = [...Array.from({ length: profile.preambleBlocks }, () => 1), -1];
  const preamble = { re, im, blockRe, blockIm, signs };
  cache.set(profile.id, preamble);
  return preamble;
}
