/**
 * Sampling a periodic sound with another device's clock: band-limited interpolation (a
 * Kaiser-windowed sinc, 6 zero crossings each side) at arbitrary instants, so 44.1 vs 48 kHz and
 * a clock running 0.1% fast are one operation. Fractional delays are rounded to 1/1024 of a
 * sample (a phase error below 10^-3 radian at 7 kHz): images, aliases and rounding all stay below
 * -60 dB.
 */
const ZERO_CROSSINGS = 6;
const PHASES = 1024;
const BETA = 6;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 60; k += 1) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

interface Taps {
  half: number;
  count: number;
  /** PHASES + 1 rows of `count` taps; row p is for a fractional position p / PHASES. */
  values: Float64Array;
}

const cache = new Map<number, Taps>();

/** Taps for a low-pass at `cutoff` times the source's Nyquist frequency. */
function tapsFor(cutoff: number): Taps {
  const cached = cache.get(cutoff);
  if (cached) return cached;
  const reach = ZERO_CROSSINGS / cutoff;
  const half = Math.ceil(reach);
  const count = 2 * half + 1;
  const values = new Float64Array((PHASES + 1) * count);
  const norm = besselI0(BETA);
  for (let p = 0; p <= PHASES; p += 1) {
    for (let i = 0; i < count; i += 1) {
      const distance = p / PHASES - (i - half); // position - tap, in source samples
      const x = Math.abs(distance) * cutoff;
      if (x >= ZERO_CROSSINGS) continue;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const u = x / ZERO_CROSSINGS;
      values[p * count + i] = (cutoff * sinc * besselI0(BETA * Math.sqrt(1 - u * u))) / norm;
    }
  }
  const taps = { half, count, values };
  cache.set(cutoff, taps);
  return taps;
}

export interface SamplingOptions {
  fromRate: number;
  toRate: number;
  /** The receiving clock's error: +0.001 means it runs 0.1% fast, taking 0.1% more samples. */
  clockOffset?: number;
  /** Where in the source (seconds) the first output sample falls. */
  start?: number;
  /** Output samples. */
  length: number;
}

/** Samples the periodic signal `period` (one period, at `fromRate`) as another device would. */
export function samplePeriodic(period: Float32Array, options: SamplingOptions): Float32Array {
  const { fromRate, toRate, length } = options;
  const step = fromRate / (toRate * (1 + (options.clockOffset ?? 0)));
  // Below the source's Nyquist frequency when the receiver's is lower (anti-aliasing).
  const cutoff = Math.round(Math.min(1, 1 / step) * 0.92 * 1e6) / 1e6;
  const { half, count, values } = tapsFor(cutoff);
  // One period with `half` samples of wrap-around either side: no modulo inside the loop.
  const size = period.length;
  const extended = new Float32Array(size + 2 * half + 2);
  for (let i = 0; i < extended.length; i += 1)
    extended[i] = period[(((i - half) % size) + size) % size] as number;
  const out = new Float32Array(length);
  const first = (options.start ?? 0) * fromRate;
  for (let n = 0; n < length; n += 1) {
    const position = first + n * step;
    const base = Math.floor(position);
    const row = Math.round((position - base) * PHASES) * count;
    const at = ((base % size) + size) % size; // extended[at + i] is period[base - half + i]
    let sum = 0;
    for (let i = 0; i < count; i += 1)
      sum += (extended[at + i] as number) * (values[row + i] as number);
    out[n] = sum;
  }
  return out;
}
