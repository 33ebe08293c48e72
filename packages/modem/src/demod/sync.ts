/**
 * From a detection to a frame the decoder can read: where preamble block 0 starts, to the
 * sample, and the clock ratio between sender and receiver.
 */
import { Fft } from '../dsp/fft.ts';
import { peakOf } from '../dsp/peak.ts';
import { BASEBAND_RATE } from '../dsp/resample.ts';
import { preambleOf } from '../preamble.ts';
import {
  CYCLIC_PREFIX,
  carrierBin,
  carrierHz,
  FFT_SIZE,
  type Profile,
  WINDOW_BACKOFF,
} from '../profiles.ts';
import type { BasebandBuffer } from './baseband-buffer.ts';

/** The largest clock offset searched for: ±0.25%, well beyond the ±0.1% devices show. */
const MAX_OFFSET = 2.5e-3;
const OFFSET_STEP = 5e-5;

export interface FrameSync {
  /** Absolute baseband index (receiver's clock) where preamble block 0 begins. */
  start: number;
  /** Sender's clock over receiver's: the baseband is x(alpha · t) of what was sent. */
  alpha: number;
}

export interface Spectrum {
  re: Float64Array;
  im: Float64Array;
}

export const fft = new Fft(FFT_SIZE);

function spectrumAt(profile: Profile, buffer: BasebandBuffer, from: number): Spectrum {
  const re = new Float64Array(FFT_SIZE);
  const im = new Float64Array(FFT_SIZE);
  buffer.read(from, re, im);
  fft.forward(re, im);
  return carriersOf(profile, re, im);
}

export function carriersOf(profile: Profile, re: Float64Array, im: Float64Array): Spectrum {
  const out = { re: new Float64Array(profile.carriers), im: new Float64Array(profile.carriers) };
  for (let k = 0; k < profile.carriers; k += 1) {
    out.re[k] = re[carrierBin(profile, k)]!;
    out.im[k] = im[carrierBin(profile, k)]!;
  }
  return out;
}

/** Samples the receiver must hold past `start` to synchronise. */
export function syncReach(profile: Profile): number {
  return (profile.preambleBlocks + 2) * FFT_SIZE;
}

export function synchronize(
  profile: Profile,
  buffer: BasebandBuffer,
  approxStart: number,
): FrameSync {
  // Twice: the detection is only good to a hop or two, and windows that straddle the negated
  // block would blur the response; the second pass starts from the first one's answer.
  let start = approxStart;
  for (let pass = 0; pass < 2; pass += 1) start += symbolTiming(profile, buffer, start);
  start += FFT_SIZE * blockSlip(profile, buffer, start);
  return { start, alpha: 1 + clockOffset(profile, buffer, start) };
}

/**
 * Timing is found modulo a block; which block is which comes from the negated last one. A
 * preamble cut short at the start of listening can put the detector's peak more than half a
 * block off: this checks one block either way and returns the slip (-1, 0 or 1) at which the
 * blocks match the preamble's sign pattern best.
 */
function blockSlip(profile: Profile, buffer: BasebandBuffer, start: number): number {
  const blocks = profile.preambleBlocks + 1;
  const spectra = new Map<number, Spectrum>();
  const at = (j: number) => {
    let y = spectra.get(j);
    if (!y) {
      y = spectrumAt(profile, buffer, start + j * FFT_SIZE - WINDOW_BACKOFF);
      spectra.set(j, y);
    }
    return y;
  };
  const pair = (j: number) => {
    const a = at(j);
    const b = at(j - 1);
    let re = 0;
    let im = 0;
    for (let k = 0; k < profile.carriers; k += 1) {
      re += a.re[k]! * b.re[k]! + a.im[k]! * b.im[k]!;
      im += a.im[k]! * b.re[k]! - a.re[k]! * b.im[k]!;
    }
    return { re, im };
  };
  // The detector's own measure, on block-aligned windows: consecutive blocks correlated with
  // the sign pattern (+ for repeated blocks, - into the negated one) and summed.
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const slip of [0, -1, 1]) {
    let re = 0;
    let im = 0;
    for (let j = 1; j < blocks; j += 1) {
      const sign = j === blocks - 1 ? -1 : 1;
      const correlation = pair(j + slip);
      re += sign * correlation.re;
      im += sign * correlation.im;
    }
    const score = Math.hypot(re, im);
    if (score > bestScore) {
      bestScore = score;
      best = slip;
    }
  }
  return best;
}

/**
 * Symbol timing: the preamble's steady blocks (1 to the one before the negated last), de-spread by
 * the template, are the room's impulse response, circularly. The data windows must begin where
 * its energy begins: returns how far that is from where `start` says.
 */
function symbolTiming(profile: Profile, buffer: BasebandBuffer, start: number): number {
  const preamble = preambleOf(profile);
  const blocks = preamble.signs.length;
  const combinedRe = new Float64Array(FFT_SIZE);
  const combinedIm = new Float64Array(FFT_SIZE);
  for (let j = 1; j < blocks - 1; j += 1) {
    const y = spectrumAt(profile, buffer, start + j * FFT_SIZE - WINDOW_BACKOFF);
    for (let k = 0; k < profile.carriers; k += 1) {
      const tr = preamble.re[k]!;
      const ti = preamble.im[k]!;
      const bin = carrierBin(profile, k);
      combinedRe[bin] = combinedRe[bin]! + y.re[k]! * tr + y.im[k]! * ti;
      combinedIm[bin] = combinedIm[bin]! + y.im[k]! * tr - y.re[k]! * ti;
    }
  }
  fft.inverse(combinedRe, combinedIm);
  const power = new Float64Array(FFT_SIZE);
  for (let n = 0; n < FFT_SIZE; n += 1) power[n] = combinedRe[n]! ** 2 + combinedIm[n]! ** 2;
  // Energy early in the guard interval counts more (weight 1 falling to 1/2), so the window
  // starts at the echo's onset. Running sums of p and n·p over the window make this O(N).
  let plain = 0;
  let ramped = 0;
  for (let n = 0; n < CYCLIC_PREFIX; n += 1) {
    plain += power[n]!;
    ramped += n * power[n]!;
  }
  let bestScore = -1;
  let best = 0;
  for (let s = 0; s < FFT_SIZE; s += 1) {
    const score = plain - (0.5 * ramped) / CYCLIC_PREFIX;
    if (score > bestScore) {
      bestScore = score;
      best = s;
    }
    const leaving = power[s]!;
    const entering = power[(s + CYCLIC_PREFIX) % FFT_SIZE]!;
    ramped += (CYCLIC_PREFIX - 1) * entering - plain + leaving;
    plain += entering - leaving;
  }
  let shift = best - WINDOW_BACKOFF;
  if (shift >= FFT_SIZE / 2) shift -= FFT_SIZE;
  if (shift < -FFT_SIZE / 2) shift += FFT_SIZE;
  return shift;
}

/**
 * The phase turn from each steady block to the next, per carrier, is 2π f ε T (f the carrier's
 * audio frequency, T a block); ε maximises their agreement. A grid search then a parabola: the
 * likelihood has one peak within ±0.25%, and no phase unwrapping can go wrong.
 */
function clockOffset(profile: Profile, buffer: BasebandBuffer, start: number): number {
  const preamble = preambleOf(profile);
  const blocks = preamble.signs.length;
  const spectra = [];
  // Steady blocks only: the negated block's start still rings with the one before it, which
  // would bias the phase turn in a reverberant room.
  for (let j = 1; j < blocks - 1; j += 1)
    spectra.push(spectrumAt(profile, buffer, start + j * FFT_SIZE - WINDOW_BACKOFF));
  const zRe = new Float64Array(profile.carriers);
  const zIm = new Float64Array(profile.carriers);
  for (let j = 1; j < spectra.length; j += 1) {
    const a = spectra[j] as Spectrum;
    const b = spectra[j - 1] as Spectrum;
    const sign = preamble.signs[j + 1]! * preamble.signs[j]!;
    for (let k = 0; k < profile.carriers; k += 1) {
      zRe[k] = zRe[k]! + sign * (a.re[k]! * b.re[k]! + a.im[k]! * b.im[k]!);
      zIm[k] = zIm[k]! + sign * (a.im[k]! * b.re[k]! - a.re[k]! * b.im[k]!);
    }
  }
  const blockSeconds = FFT_SIZE / BASEBAND_RATE;
  const agreement = (offset: number) => {
    // Re{ z · e^{-iφ} }, φ = 2π f ε T stepped from carrier to carrier.
    const base = 2 * Math.PI * carrierHz(profile, 0) * offset * blockSeconds;
    const step =
      2 * Math.PI * (carrierHz(profile, 1) - carrierHz(profile, 0)) * offset * blockSeconds;
    let c = Math.cos(base);
    let si = Math.sin(base);
    const sc = Math.cos(step);
    const ss = Math.sin(step);
    let sum = 0;
    for (let k = 0; k < profile.carriers; k += 1) {
      sum += zRe[k]! * c + zIm[k]! * si;
      const next = c * sc - si * ss;
      si = si * sc + c * ss;
      c = next;
    }
    return sum;
  };
  return peakOf(agreement, -MAX_OFFSET, MAX_OFFSET, OFFSET_STEP);
}
