/**
 * The channel re-estimated from the whole frame once a decoding pass has an opinion about every
 * data slot. The opinion is soft: each slot counts with tanh(L/2) of its coded bit's a
 * posteriori ratio L, so slots the decoder is unsure of count little and wrong guesses do
 * little harm. The residual clock drift is re-fitted the same way.
 */

import { peakOf } from '../dsp/peak.ts';
import { BASEBAND_RATE } from '../dsp/resample.ts';
import { carrierHz, FFT_SIZE, type Profile } from '../profiles.ts';
import {
  type ChannelEstimate,
  estimateFromPreamble,
  floor,
  mean,
  type Observation,
  rotate,
  smoothAcross,
} from './channel.ts';
import { smoothChannel } from './channel-smoothing.ts';
import { DRIFT_STEP } from './square-estimate.ts';
import type { Spectrum } from './sync.ts';

export function estimateFromDecisions(
  profile: Profile,
  preambleBlocks: Spectrum[],
  observations: Observation[],
  /** Per symbol of the frame: the slots' guessed values. */
  values: Float64Array[],
  previous: ChannelEstimate,
): ChannelEstimate {
  const drift = peakOf(
    (candidate) => {
      let sum = 0;
      observations.forEach(({ symbol, time: t, y }) => {
        const x = values[symbol] as Float64Array;
        const base = -2 * Math.PI * carrierHz(profile, 0) * t * candidate;
        const step = -2 * Math.PI * (BASEBAND_RATE / FFT_SIZE) * t * candidate;
        let c = Math.cos(base);
        let s = Math.sin(base);
        const sc = Math.cos(step);
        const ss = Math.sin(step);
        for (let k = 0; k < profile.carriers; k += 1) {
          // Re{ y · x · conj(H) · e^{iφ} }, φ stepping with the carrier frequency.
          const hr = previous.re[k]!;
          const hi = previous.im[k]!;
          const xk = x[k]!;
          const qr = (y.re[k]! * hr + y.im[k]! * hi) * xk;
          const qi = (y.im[k]! * hr - y.re[k]! * hi) * xk;
          sum += qr * c - qi * s;
          const nc = c * sc - s * ss;
          s = s * sc + c * ss;
          c = nc;
        }
      });
      return sum;
    },
    -profile.maxDrift,
    profile.maxDrift,
    DRIFT_STEP,
  );
  const rotated = observations.map(({ y, time }) => rotate(profile, y, time, drift));
  const fromPreamble = estimateFromPreamble(profile, preambleBlocks);
  const pilots = preambleBlocks.length;
  const re = new Float64Array(profile.carriers);
  const im = new Float64Array(profile.carriers);
  let weightSum = 0;
  for (let k = 0; k < profile.carriers; k += 1) {
    let sumRe = fromPreamble.re[k]! * pilots;
    let sumIm = fromPreamble.im[k]! * pilots;
    let weight = pilots;
    rotated.forEach((y, i) => {
      const x = (values[(observations[i] as Observation).symbol] as Float64Array)[k]!;
      sumRe += y.re[k]! * x;
      sumIm += y.im[k]! * x;
      weight += x * x;
    });
    re[k] = sumRe / weight;
    im[k] = sumIm / weight;
    weightSum += weight;
  }
  // E|y - H·x|² over the uncertain x: |y|² - 2 Re(y·conj(H)·x̄) + |H|².
  const noise = new Float64Array(profile.carriers);
  for (let k = 0; k < profile.carriers; k += 1) {
    const hr = re[k]!;
    const hi = im[k]!;
    let sum = 0;
    rotated.forEach((y, i) => {
      const x = (values[(observations[i] as Observation).symbol] as Float64Array)[k]!;
      const yr = y.re[k]!;
      const yi = y.im[k]!;
      sum += yr * yr + yi * yi - 2 * (yr * hr + yi * hi) * x + hr * hr + hi * hi;
    });
    noise[k] = Math.max(0, sum / rotated.length);
  }
  const smoothedNoise = floor(smoothAcross(noise, 8));
  const averaged = weightSum / profile.carriers;
  const smoothed = smoothChannel(profile, re, im, mean(smoothedNoise) / averaged);
  return {
    re: smoothed.re,
    im: smoothed.im,
    noise: smoothedNoise,
    observations: averaged * smoothed.gain,
    drift,
  };
}
