/**
 * A better first channel estimate, from the data itself, before anything is decoded. Data
 * slots are ±1 (BPSK), so squaring a received value y = H·x + n removes the data: y² = H² + noise
 * terms whose mean is zero. Averaging y² over all data symbols estimates H² from far more
 * observations than the two or more preamble blocks; the preamble's own estimate settles the
 * sign of its square root, and the two are combined by their precision. The same squares reveal
 * the residual clock drift (the phase of y² turns twice as fast as y's), and the mean of |y|²
 * gives the noise power, echo leakage included.
 */

import { peakOf } from '../dsp/peak.ts';
import { carrierHz, type Profile } from '../profiles.ts';
import {
  type ChannelEstimate,
  floor,
  mean,
  type Observation,
  rotate,
  smoothAcross,
} from './channel.ts';
import { smoothChannel } from './channel-smoothing.ts';

/** Residual clock offsets after resampling are searched up to the profile's `maxDrift`, in these steps. */
export const DRIFT_STEP = 1e-5;

export function estimateFromSquares(
  profile: Profile,
  preamble: ChannelEstimate,
  observations: Observation[],
): ChannelEstimate {
  // Reference: conj(Hp²), so each carrier votes with the weight of its own strength.
  const refRe = new Float64Array(profile.carriers);
  const refIm = new Float64Array(profile.carriers);
  for (let k = 0; k < profile.carriers; k += 1) {
    const hr = preamble.re[k]!;
    const hi = preamble.im[k]!;
    refRe[k] = hr * hr - hi * hi;
    refIm[k] = -2 * hr * hi;
  }
  const squares = observations.map(({ y }) => {
    const re = new Float64Array(profile.carriers);
    const im = new Float64Array(profile.carriers);
    for (let k = 0; k < profile.carriers; k += 1) {
      const yr = y.re[k]!;
      const yi = y.im[k]!;
      re[k] = yr * yr - yi * yi;
      im[k] = 2 * yr * yi;
    }
    return { re, im };
  });
  const drift = peakOf(
    (candidate) => {
      let sum = 0;
      squares.forEach((q, i) => {
        const t = (observations[i] as Observation).time;
        // e^{-i·4π·f·t·drift}, stepped from carrier to carrier.
        const base = -4 * Math.PI * carrierHz(profile, 0) * t * candidate;
        const step = -4 * Math.PI * (carrierHz(profile, 1) - carrierHz(profile, 0)) * t * candidate;
        let c = Math.cos(base);
        let s = Math.sin(base);
        const sc = Math.cos(step);
        const ss = Math.sin(step);
        for (let k = 0; k < profile.carriers; k += 1) {
          const zr = q.re[k]! * c - q.im[k]! * s;
          const zi = q.re[k]! * s + q.im[k]! * c;
          sum += zr * refRe[k]! - zi * refIm[k]!;
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
  const count = rotated.length;
  const re = new Float64Array(profile.carriers);
  const im = new Float64Array(profile.carriers);
  const power = new Float64Array(profile.carriers);
  for (let k = 0; k < profile.carriers; k += 1) {
    let sr = 0;
    let si = 0;
    let p = 0;
    for (const y of rotated) {
      const yr = y.re[k]!;
      const yi = y.im[k]!;
      sr += yr * yr - yi * yi;
      si += 2 * yr * yi;
      p += yr * yr + yi * yi;
    }
    // Square root of the mean square, on the preamble's side.
    const magnitude = Math.sqrt(Math.hypot(sr, si) / count);
    const angle = Math.atan2(si, sr) / 2;
    let dr = magnitude * Math.cos(angle);
    let di = magnitude * Math.sin(angle);
    if (dr * preamble.re[k]! + di * preamble.im[k]! < 0) {
      dr = -dr;
      di = -di;
    }
    re[k] = dr;
    im[k] = di;
    power[k] = p / count;
  }
  // Noise: what the received power holds beyond the channel's.
  const residual = new Float64Array(profile.carriers);
  for (let k = 0; k < profile.carriers; k += 1)
    residual[k] = Math.max(0.05 * power[k]!, power[k]! - (re[k]! ** 2 + im[k]! ** 2));
  const noise = floor(smoothAcross(residual, 16));
  // Combine the two estimates by their error variances, then denoise the result.
  let errorVariance = 0;
  for (let k = 0; k < profile.carriers; k += 1) {
    const sigma = noise[k]!;
    const strength = Math.max(1e-30, re[k]! ** 2 + im[k]! ** 2);
    const preambleVariance = sigma / preamble.observations;
    const squaresVariance = sigma / count + (sigma * sigma) / (2 * count * strength);
    const w = preambleVariance / (preambleVariance + squaresVariance);
    re[k] = w * re[k]! + (1 - w) * preamble.re[k]!;
    im[k] = w * im[k]! + (1 - w) * preamble.im[k]!;
    errorVariance += (w * squaresVariance) / profile.carriers;
  }
  const smoothed = smoothChannel(profile, re, im, errorVariance);
  const averaged = (mean(noise) / errorVariance) * smoothed.gain;
  return { re: smoothed.re, im: smoothed.im, noise, observations: averaged, drift };
}
