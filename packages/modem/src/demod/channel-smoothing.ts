/**
 * Denoising a channel estimate where the room is simple: in the delay domain. The carriers'
 * gains are the spectrum of the room's impulse response, and a response has most of its energy
 * early (the direct sound, then echoes that decay). Transformed to delays, the estimate's noise
 * spreads evenly over all 512 delays while the response does not; each delay is kept in
 * proportion to its estimated share of signal (a Wiener weight from the smoothed power-delay
 * profile). A dry room (one strong path) gets smoothed across many carriers; a long echo tail
 * keeps its detail wherever it stands above the noise, so no room is assumed.
 */
import { Fft } from '../dsp/fft.ts';
import { carrierBin, FFT_SIZE, type Profile } from '../profiles.ts';

const fft = new Fft(FFT_SIZE);
/** Delays averaged either side when estimating the power-delay profile. */
const PROFILE_RADIUS = 6;

export interface SmoothedChannel {
  re: Float64Array;
  im: Float64Array;
  /** By how much the estimate's error power shrank (≥ 1). */
  gain: number;
}

/** `errorVariance`: the mean error power of the estimate per carrier. */
export function smoothChannel(
  profile: Profile,
  re: Float64Array,
  im: Float64Array,
  errorVariance: number,
): SmoothedChannel {
  const tr = new Float64Array(FFT_SIZE);
  const ti = new Float64Array(FFT_SIZE);
  for (let k = 0; k < profile.carriers; k += 1) {
    tr[carrierBin(profile, k)] = re[k]!;
    ti[carrierBin(profile, k)] = im[k]!;
  }
  fft.inverse(tr, ti);
  // Error per delay after the inverse transform (which divides by FFT_SIZE).
  const tapNoise = (errorVariance * profile.carriers) / (FFT_SIZE * FFT_SIZE);
  const power = new Float64Array(FFT_SIZE);
  for (let n = 0; n < FFT_SIZE; n += 1) power[n] = tr[n]! ** 2 + ti[n]! ** 2;
  const weights = new Float64Array(FFT_SIZE);
  let kept = 0;
  for (let n = 0; n < FFT_SIZE; n += 1) {
    let sum = 0;
    for (let d = -PROFILE_RADIUS; d <= PROFILE_RADIUS; d += 1)
      sum += power[(n + d + FFT_SIZE) % FFT_SIZE]!;
    const profile = Math.max(0, sum / (2 * PROFILE_RADIUS + 1) - tapNoise);
    const weight = profile / (profile + tapNoise);
    weights[n] = weight;
    kept += weight * weight;
  }
  for (let n = 0; n < FFT_SIZE; n += 1) {
    tr[n] = tr[n]! * weights[n]!;
    ti[n] = ti[n]! * weights[n]!;
  }
  fft.forward(tr, ti);
  const out = { re: new Float64Array(profile.carriers), im: new Float64Array(profile.carriers) };
  for (let k = 0; k < profile.carriers; k += 1) {
    out.re[k] = tr[carrierBin(profile, k)]!;
    out.im[k] = ti[carrierBin(profile, k)]!;
  }
  return { ...out, gain: Math.max(1, Math.min(FFT_SIZE, FFT_SIZE / Math.max(kept, 1e-9))) };
}
