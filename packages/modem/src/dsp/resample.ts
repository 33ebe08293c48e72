/**
 * Rate changes between the modem's complex baseband (8 kHz around the 4 kHz centre) and real
 * audio at whatever rate the device runs. All of them evaluate one band-limited interpolant
 * (kernel.ts) at arbitrary instants, so 44.1 vs 48 kHz and a clock offset are the same problem.
 */
import { KERNEL_HALF_WIDTH_S, KERNEL_TABLE_SCALE, kernelTable, polyphasePlan } from './kernel.ts';

export const BASEBAND_RATE = 8000;
const TABLE_LIMIT = 4096;

/**
 * Real audio at `sampleRate` from baseband `re + i·im` at 8 kHz, shifted up by `centerHz`. The
 * baseband is read circularly, so a frame played in a loop has no seam; frames end in enough
 * silence that a single play is unaffected.
 */
export function upconvert(
  re: Float64Array,
  im: Float64Array,
  sampleRate: number,
  centerHz: number,
): Float32Array {
  const values = kernelTable();
  const length = re.length;
  const outLength = Math.round((length * sampleRate) / BASEBAND_RATE);
  const out = new Float32Array(outLength);
  const reach = KERNEL_HALF_WIDTH_S * BASEBAND_RATE;
  const scale = KERNEL_TABLE_SCALE / BASEBAND_RATE;
  const plan = polyphasePlan(BASEBAND_RATE, sampleRate);
  const stepCos = Math.cos((2 * Math.PI * centerHz) / sampleRate);
  const stepSin = Math.sin((2 * Math.PI * centerHz) / sampleRate);
  let oscCos = 1;
  let oscSin = 0;
  for (let n = 0; n < outLength; n += 1) {
    if (n % 1024 === 0) {
      // Restart the oscillator exactly now and then, so rounding never accumulates.
      const phase = 2 * Math.PI * (((centerHz * n) / sampleRate) % 1);
      oscCos = Math.cos(phase);
      oscSin = Math.sin(phase);
    }
    let sumRe = 0;
    let sumIm = 0;
    if (plan) {
      const numerator = n * plan.a;
      const base = Math.floor(numerator / plan.b);
      const phase = numerator - base * plan.b;
      const row = phase * plan.taps;
      let wrapped = ((((base + plan.first[phase]!) % length) + length) % length) | 0;
      for (let i = 0; i < plan.taps; i += 1) {
        const g = plan.coefficients[row + i]!;
        sumRe += re[wrapped]! * g;
        sumIm += im[wrapped]! * g;
        wrapped += 1;
        if (wrapped === length) wrapped = 0;
      }
    } else {
      const t = (n * BASEBAND_RATE) / sampleRate; // in baseband samples
      const first = Math.ceil(t - reach);
      const last = Math.floor(t + reach);
      let wrapped = (((first % length) + length) % length) | 0;
      for (let m = first; m <= last; m += 1) {
        const position = Math.abs(t - m) * scale;
        if (position < TABLE_LIMIT) {
          const index = position | 0;
          const a = values[index]!;
          const g = a + (values[index + 1]! - a) * (position - index);
          sumRe += re[wrapped]! * g;
          sumIm += im[wrapped]! * g;
        }
        wrapped += 1;
        if (wrapped === length) wrapped = 0;
      }
      sumRe /= BASEBAND_RATE;
      sumIm /= BASEBAND_RATE;
    }
    out[n] = (sumRe * oscCos - sumIm * oscSin) * 2;
    const nextCos = oscCos * stepCos - oscSin * stepSin;
    oscSin = oscSin * stepCos + oscCos * stepSin;
    oscCos = nextCos;
  }
  return out;
}

/**
 * Baseband at fractional instants: out[j] = x(start + j·step), times in baseband samples
 * counted from the absolute index `origin` of src[0]. Samples outside src count as silence.
 */
export function interpolateBaseband(
  srcRe: Float64Array,
  srcIm: Float64Array,
  origin: number,
  start: number,
  step: number,
  outRe: Float64Array,
  outIm: Float64Array,
): void {
  const values = kernelTable();
  const reach = KERNEL_HALF_WIDTH_S * BASEBAND_RATE;
  const scale = KERNEL_TABLE_SCALE / BASEBAND_RATE;
  const length = srcRe.length;
  for (let j = 0; j < outRe.length; j += 1) {
    const t = start + j * step - origin;
    const first = Math.max(0, Math.ceil(t - reach));
    const last = Math.min(length - 1, Math.floor(t + reach));
    let sumRe = 0;
    let sumIm = 0;
    for (let m = first; m <= last; m += 1) {
      const position = Math.abs(t - m) * scale;
      if (position >= TABLE_LIMIT) continue;
      const index = position | 0;
      const a = values[index]!;
      const g = a + (values[index + 1]! - a) * (position - index);
      sumRe += srcRe[m]! * g;
      sumIm += srcIm[m]! * g;
    }
    outRe[j] = sumRe / BASEBAND_RATE;
    outIm[j] = sumIm / BASEBAND_RATE;
  }
}

/** Half the kernel, in baseband samples: how far interpolation reads either side. */
export const BASEBAND_REACH = Math.ceil(KERNEL_HALF_WIDTH_S * BASEBAND_RATE) + 1;

/**
 * Microphone samples in, baseband out, in blocks of any size: mixes the input down by the
 * centre frequency and low-pass filters it onto the 8 kHz grid. Output j is the baseband at
 * input time j/8000 s, counting from the first sample pushed.
 */
export class BasebandReceiver {
  private readonly sampleRate: number;
  private readonly centerHz: number;
  private historyRe = new Float64Array(4096);
  private historyIm = new Float64Array(4096);
  /** Absolute input index of history[0], and how many history entries are filled. */
  private historyStart = 0;
  private historyLength = 0;
  private produced = 0;
  private readonly reach: number;

  constructor(sampleRate: number, centerHz: number) {
    this.sampleRate = sampleRate;
    this.centerHz = centerHz;
    this.reach = KERNEL_HALF_WIDTH_S * sampleRate;
  }

  /** Baseband samples made so far. */
  get length(): number {
    return this.produced;
  }

  push(samples: Float32Array): { re: Float64Array; im: Float64Array } {
    this.append(samples);
    const received = this.historyStart + this.historyLength;
    // Output j needs input up to (j/8000 s + half width) · rate.
    const ready = Math.floor(((received - 1 - this.reach) * BASEBAND_RATE) / this.sampleRate) + 1;
    const count = Math.max(0, ready - this.produced);
    const re = new Float64Array(count);
    const im = new Float64Array(count);
    const values = kernelTable();
    const scale = KERNEL_TABLE_SCALE / this.sampleRate;
    const plan = polyphasePlan(this.sampleRate, BASEBAND_RATE);
    if (plan) {
      for (let j = 0; j < count; j += 1) {
        const numerator = (this.produced + j) * plan.a;
        const base = Math.floor(numerator / plan.b);
        const phase = numerator - base * plan.b;
        const row = phase * plan.taps;
        const at = base + plan.first[phase]! - this.historyStart;
        let sumRe = 0;
        let sumIm = 0;
        // Taps before the first sample ever received read as silence, and so does the last
        // tap past the newest one (its weight is zero; at 8 kHz it can fall just beyond it).
        const last = Math.min(plan.taps, this.historyLength - at);
        for (let i = Math.max(0, -at); i < last; i += 1) {
          const g = plan.coefficients[row + i]!;
          sumRe += this.historyRe[at + i]! * g;
          sumIm += this.historyIm[at + i]! * g;
        }
        re[j] = sumRe;
        im[j] = sumIm;
      }
      this.produced += count;
      this.forget();
      return { re, im };
    }
    for (let j = 0; j < count; j += 1) {
      const t = ((this.produced + j) * this.sampleRate) / BASEBAND_RATE - this.historyStart;
      const first = Math.max(0, Math.ceil(t - this.reach));
      const last = Math.min(this.historyLength - 1, Math.floor(t + this.reach));
      let sumRe = 0;
      let sumIm = 0;
      for (let m = first; m <= last; m += 1) {
        const position = Math.abs(t - m) * scale;
        if (position >= TABLE_LIMIT) continue;
        const index = position | 0;
        const a = values[index]!;
        const g = a + (values[index + 1]! - a) * (position - index);
        sumRe += this.historyRe[m]! * g;
        sumIm += this.historyIm[m]! * g;
      }
      re[j] = sumRe / this.sampleRate;
      im[j] = sumIm / this.sampleRate;
    }
    this.produced += count;
    this.forget();
    return { re, im };
  }

  /** Mixes the new samples down and keeps them; the oscillator restarts exactly every block. */
  private append(samples: Float32Array): void {
    const needed = this.historyLength + samples.length;
    if (needed > this.historyRe.length) {
      const size = Math.max(needed, this.historyRe.length * 2);
      const re = new Float64Array(size);
      const im = new Float64Array(size);
      re.set(this.historyRe.subarray(0, this.historyLength));
      im.set(this.historyIm.subarray(0, this.historyLength));
      this.historyRe = re;
      this.historyIm = im;
    }
    const absolute = this.historyStart + this.historyLength;
    const step = (2 * Math.PI * this.centerHz) / this.sampleRate;
    const stepCos = Math.cos(step);
    const stepSin = Math.sin(step);
    let oscCos = 1;
    let oscSin = 0;
    for (let i = 0; i < samples.length; i += 1) {
      if (i % 1024 === 0) {
        const phase = 2 * Math.PI * (((this.centerHz * (absolute + i)) / this.sampleRate) % 1);
        oscCos = Math.cos(phase);
        oscSin = Math.sin(phase);
      }
      const raw = samples[i]!;
      // A broken capture (NaN, infinities) must not poison every later block: read it as silence.
      const x = Number.isFinite(raw) ? raw : 0;
      // Multiply by e^{-iφ}: the wanted band lands around 0 Hz.
      this.historyRe[this.historyLength + i] = x * oscCos;
      this.historyIm[this.historyLength + i] = -x * oscSin;
      const nextCos = oscCos * stepCos - oscSin * stepSin;
      oscSin = oscSin * stepCos + oscCos * stepSin;
      oscCos = nextCos;
    }
    this.historyLength += samples.length;
  }

  /** Drops input that no future output reaches. */
  private forget(): void {
    const nextTime = (this.produced * this.sampleRate) / BASEBAND_RATE;
    const keepFrom = Math.max(0, Math.floor(nextTime - this.reach) - 1 - this.historyStart);
    if (keepFrom < 4096) return;
    this.historyRe.copyWithin(0, keepFrom, this.historyLength);
    this.historyIm.copyWithin(0, keepFrom, this.historyLength);
    this.historyStart += keepFrom;
    this.historyLength -= keepFrom;
  }
}
