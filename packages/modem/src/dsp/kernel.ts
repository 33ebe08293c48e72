/**
 * The one low-pass kernel behind every rate change in the modem: a Kaiser-windowed sinc with
 * its cutoff at 4 kHz, as a function of continuous time. Being defined in seconds rather than
 * in taps, the same kernel turns 8 kHz baseband into any device rate (44.1, 48, 96 kHz...) and
 * back, and interpolates the baseband at fractional instants to undo a clock offset.
 *
 * Passband to about 3.1 kHz, stopband from about 4.9 kHz, 70 dB down: the carriers sit within
 * ±3 kHz of the centre, and what lies beyond 4.9 kHz would alias onto them at 8 kHz.
 */
export const KERNEL_CUTOFF_HZ = 4000;
/** Half the kernel's length; 1.25 ms gives the 1.8 kHz transition band described above. */
export const KERNEL_HALF_WIDTH_S = 0.00125;
const KAISER_BETA = 6.76; // 70 dB stopband
const TABLE_SIZE = 4096;

let table: Float64Array | undefined;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k += 1) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * g(t) = 2 fc sinc(2 fc t) w(t), sampled on [0, half width] (it is even). A signal sampled at
 * rate r is band-limited and evaluated at time t as (1/r) sum x[n] g(t - n/r).
 */
export function kernelTable(): Float64Array {
  if (table) return table;
  const values = new Float64Array(TABLE_SIZE + 2);
  const norm = besselI0(KAISER_BETA);
  for (let i = 0; i <= TABLE_SIZE + 1; i += 1) {
    const u = Math.min(1, i / TABLE_SIZE);
    const t = u * KERNEL_HALF_WIDTH_S;
    const x = 2 * KERNEL_CUTOFF_HZ * t;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const window = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - u * u))) / norm;
    values[i] = i > TABLE_SIZE ? 0 : 2 * KERNEL_CUTOFF_HZ * sinc * window;
  }
  table = values;
  return values;
}

/** Table steps per second of kernel time. */
export const KERNEL_TABLE_SCALE = TABLE_SIZE / KERNEL_HALF_WIDTH_S;

/** g(t), linearly interpolated from the table; 0 beyond the half width. */
export function kernelAt(values: Float64Array, t: number): number {
  const position = Math.abs(t) * KERNEL_TABLE_SCALE;
  if (position >= TABLE_SIZE) return 0;
  const index = Math.floor(position);
  const frac = position - index;
  const a = values[index]!;
  return a + (values[index + 1]! - a) * frac;
}

/**
 * The kernel's taps for a rate change whose ratio is a fraction a/b with a small denominator
 * (every common device rate: 48 kHz is 6/1 of the baseband, 44.1 kHz 441/80). Output j then
 * sits at input position j·a/b, whose fractional part repeats every b outputs, so b sets of
 * taps, computed once, replace table lookups per tap. Coefficients include the 1/(input rate)
 * of the interpolation sum.
 */
export interface PolyphasePlan {
  a: number;
  b: number;
  taps: number;
  /** Per phase: offset of its first tap from floor(j·a/b). */
  first: Int32Array;
  coefficients: Float64Array;
}

const plans = new Map<string, PolyphasePlan | null>();
const MAX_PHASES = 2048;

function gcd(x: number, y: number): number {
  let a = x;
  let b = y;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function polyphasePlan(inputRate: number, outputRate: number): PolyphasePlan | null {
  const key = `${inputRate}/${outputRate}`;
  const cached = plans.get(key);
  if (cached !== undefined) return cached;
  let plan: PolyphasePlan | null = null;
  if (Number.isInteger(inputRate) && Number.isInteger(outputRate)) {
    const divisor = gcd(inputRate, outputRate);
    const a = inputRate / divisor;
    const b = outputRate / divisor;
    if (b <= MAX_PHASES) {
      const values = kernelTable();
      const reach = KERNEL_HALF_WIDTH_S * inputRate;
      const taps = Math.floor(2 * reach) + 2;
      const first = new Int32Array(b);
      const coefficients = new Float64Array(b * taps);
      for (let q = 0; q < b; q += 1) {
        const fraction = q / b;
        first[q] = Math.ceil(fraction - reach);
        for (let i = 0; i < taps; i += 1) {
          const offset = first[q]! + i;
          coefficients[q * taps + i] =
            kernelAt(values, (fraction - offset) / inputRate) / inputRate;
        }
      }
      plan = { a, b, taps, first, coefficients };
    }
  }
  plans.set(key, plan);
  return plan;
}
