/**
 * What the room did to each carrier: a complex gain (the channel) and a noise power. The room
 * does not change during a frame, so the estimate can average everything known: the preamble
 * blocks first, then, once a first decoding pass has guessed the data, every data symbol too.
 */
import { BASEBAND_RATE } from '../dsp/resample.ts';
import { preambleOf } from '../preamble.ts';
import { CYCLIC_PREFIX, carrierHz, FFT_SIZE, type Profile, SYMBOL_LENGTH } from '../profiles.ts';
import { smoothChannel } from './channel-smoothing.ts';
import type { Spectrum } from './sync.ts';

export interface ChannelEstimate {
  re: Float64Array;
  im: Float64Array;
  /** Noise (and echo leakage) power per carrier. */
  noise: Float64Array;
  /** How many observations the gains average: their own error is noise / observations. */
  observations: number;
  /** Residual clock offset left after resampling, as a phase slope (see `rotation`). */
  drift: number;
}

/**
 * One received data symbol: which symbol of the frame it is, when it was sent, and its carriers.
 * A looped frame gives several observations of each symbol, one per copy heard.
 */
export interface Observation {
  symbol: number;
  /** Seconds from the centre of the preamble blocks the channel was measured on. */
  time: number;
  y: Spectrum;
}

/**
 * Seconds from the centre of the preamble blocks the channel is measured on (1 to the one
 * before the negated last) to the centre of data symbol `m` of the copy `copy` periods later
 * (`period` in baseband samples).
 */
export function symbolTime(profile: Profile, m: number, copy = 0, period = 0): number {
  const blocks = profile.preambleBlocks + 1;
  const samples = ((blocks + 1) * FFT_SIZE) / 2 + m * SYMBOL_LENGTH + CYCLIC_PREFIX;
  return (samples + copy * period) / BASEBAND_RATE;
}

/** Mean of `values` over ±`radius` carriers: noise changes slowly with frequency, gains do not. */
export function smoothAcross(values: Float64Array, radius: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k += 1) {
    let sum = 0;
    let count = 0;
    for (let j = Math.max(0, k - radius); j <= Math.min(values.length - 1, k + radius); j += 1) {
      sum += values[j]!;
      count += 1;
    }
    out[k] = sum / count;
  }
  return out;
}

/** Estimate from the steady preamble blocks (1 onwards; block 0 still rings with what came before). */
export function estimateFromPreamble(profile: Profile, blocks: Spectrum[]): ChannelEstimate {
  const preamble = preambleOf(profile);
  const re = new Float64Array(profile.carriers);
  const im = new Float64Array(profile.carriers);
  const despread = blocks.map((y, index) => {
    const sign = preamble.signs[index + 1]!;
    const out = { re: new Float64Array(profile.carriers), im: new Float64Array(profile.carriers) };
    for (let k = 0; k < profile.carriers; k += 1) {
      const tr = preamble.re[k]!;
      const ti = preamble.im[k]!;
      out.re[k] = sign * (y.re[k]! * tr + y.im[k]! * ti);
      out.im[k] = sign * (y.im[k]! * tr - y.re[k]! * ti);
      re[k] = re[k]! + out.re[k]! / blocks.length;
      im[k] = im[k]! + out.im[k]! / blocks.length;
    }
    return out;
  });
  const noise = new Float64Array(profile.carriers);
  for (let k = 0; k < profile.carriers; k += 1) {
    let sum = 0;
    for (const d of despread) sum += (d.re[k]! - re[k]!) ** 2 + (d.im[k]! - im[k]!) ** 2;
    noise[k] = sum / Math.max(1, blocks.length - 1);
  }
  const smoothedNoise = floor(smoothAcross(noise, 16));
  const smoothed = smoothChannel(profile, re, im, mean(smoothedNoise) / blocks.length);
  return {
    re: smoothed.re,
    im: smoothed.im,
    noise: smoothedNoise,
    observations: blocks.length * smoothed.gain,
    drift: 0,
  };
}

export function mean(values: Float64Array): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / Math.max(1, values.length);
}

/** A carrier never gets zero noise: that would make its bits infinitely trusted. */
export function floor(noise: Float64Array): Float64Array {
  let mean = 0;
  for (const value of noise) mean += value / noise.length;
  const minimum = Math.max(mean * 1e-3, 1e-30);
  return noise.map((value) => Math.max(value, minimum));
}

/**
 * Turns carriers received `t` seconds after the preamble back by the phase a residual clock
 * offset `drift` has built up: 2π f t drift, with f the carrier's audio frequency.
 */
export function rotate(profile: Profile, y: Spectrum, t: number, drift: number): Spectrum {
  if (drift === 0) return y;
  const out = { re: new Float64Array(profile.carriers), im: new Float64Array(profile.carriers) };
  for (let k = 0; k < profile.carriers; k += 1) {
    const phase = -2 * Math.PI * carrierHz(profile, k) * t * drift;
    const c = Math.cos(phase);
    const s = Math.sin(phase);
    const yr = y.re[k]!;
    const yi = y.im[k]!;
    out.re[k] = yr * c - yi * s;
    out.im[k] = yr * s + yi * c;
  }
  return out;
}
