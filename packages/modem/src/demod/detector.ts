/**
 * Finds preambles in the baseband as it arrives. Every 16 ms it takes the spectrum of the last
 * 64 ms (one preamble block) on the carriers, and correlates it with the spectrum one block
 * earlier. Over a preamble, consecutive blocks are equal and the last one is negated; the metric
 * is the correlations summed with that sign pattern, divided by the energy, so it is near 1 on a
 * clean preamble, near s/(1+s) at in-band signal-to-noise ratio s, and near 0 on noise, speech or
 * music. Echoes do not lower it: a periodic signal stays periodic through a room. A clock offset
 * turns every block's phase by the same amount, which the magnitude of the sum ignores.
 */
import { Fft } from '../dsp/fft.ts';
import { carrierBin, FFT_SIZE, type Profile } from '../profiles.ts';
import type { BasebandBuffer } from './baseband-buffer.ts';

export const HOP = 128;
const HOPS_PER_BLOCK = FFT_SIZE / HOP;

export interface Detection {
  /** Approximate absolute baseband index where preamble block 0 begins (±64 samples). */
  start: number;
  /** The metric at the peak, 0..1. */
  metric: number;
}

export class PreambleDetector {
  private readonly blocks: number;
  private readonly threshold: number;
  private readonly fft = new Fft(FFT_SIZE);
  private readonly re = new Float64Array(FFT_SIZE);
  private readonly im = new Float64Array(FFT_SIZE);
  /** Ring of per-hop carrier spectra (one block's worth), correlations and energies. */
  private readonly spectraRe: Float64Array[];
  private readonly spectraIm: Float64Array[];
  private readonly history: number;
  private readonly correlationRe: Float64Array;
  private readonly correlationIm: Float64Array;
  private readonly energy: Float64Array;
  private readonly metrics: Float64Array;
  /** Index of the next hop to compute; hop i covers absolute [i·HOP, i·HOP + FFT_SIZE). */
  private nextHop = 0;
  /** Hops before this one have been judged as peaks or not. */
  private judged = 0;

  private readonly profile: Profile;

  constructor(profile: Profile) {
    this.profile = profile;
    this.blocks = profile.preambleBlocks + 1;
    this.threshold = profile.detectThreshold;
    this.history = this.blocks * HOPS_PER_BLOCK + 4 * HOPS_PER_BLOCK + 2;
    this.spectraRe = Array.from(
      { length: HOPS_PER_BLOCK + 1 },
      () => new Float64Array(profile.carriers),
    );
    this.spectraIm = Array.from(
      { length: HOPS_PER_BLOCK + 1 },
      () => new Float64Array(profile.carriers),
    );
    this.correlationRe = new Float64Array(this.history);
    this.correlationIm = new Float64Array(this.history);
    this.energy = new Float64Array(this.history);
    this.metrics = new Float64Array(this.history);
  }

  /** First absolute baseband index the detector, or a detection it has yet to report, needs. */
  get oldestNeeded(): number {
    return Math.min(this.nextHop * HOP, this.judged * HOP - (this.blocks - 1) * FFT_SIZE);
  }

  /** Processes every complete hop in the buffer; returns the preambles whose peak is now certain. */
  scan(buffer: BasebandBuffer): Detection[] {
    const found: Detection[] = [];
    while (this.nextHop * HOP + FFT_SIZE <= buffer.end) {
      this.computeHop(buffer, this.nextHop);
      this.nextHop += 1;
      // A peak at hop i is judged once hops up to i + 2 blocks exist, so side peaks a block
      // away (where all but one pair of blocks still match) never count as preambles of their own.
      const reach = 2 * HOPS_PER_BLOCK;
      while (this.judged + reach < this.nextHop) {
        const detection = this.judge(this.judged, reach);
        if (detection) found.push(detection);
        this.judged += 1;
      }
    }
    return found;
  }

  private computeHop(buffer: BasebandBuffer, hop: number): void {
    const profile = this.profile;
    buffer.read(hop * HOP, this.re, this.im);
    this.fft.forward(this.re, this.im);
    const slot = hop % (HOPS_PER_BLOCK + 1);
    const previous = (hop + 1) % (HOPS_PER_BLOCK + 1); // = hop - HOPS_PER_BLOCK, modulo the ring
    const currentRe = this.spectraRe[slot] as Float64Array;
    const currentIm = this.spectraIm[slot] as Float64Array;
    const earlierRe = this.spectraRe[previous] as Float64Array;
    const earlierIm = this.spectraIm[previous] as Float64Array;
    let energy = 0;
    let sumRe = 0;
    let sumIm = 0;
    for (let k = 0; k < profile.carriers; k += 1) {
      const bin = carrierBin(profile, k);
      const xr = this.re[bin]!;
      const xi = this.im[bin]!;
      currentRe[k] = xr;
      currentIm[k] = xi;
      energy += xr * xr + xi * xi;
      if (hop >= HOPS_PER_BLOCK) {
        const yr = earlierRe[k]!;
        const yi = earlierIm[k]!;
        sumRe += xr * yr + xi * yi;
        sumIm += xi * yr - xr * yi;
      }
    }
    const h = hop % this.history;
    this.energy[h] = energy;
    this.correlationRe[h] = sumRe;
    this.correlationIm[h] = sumIm;
    this.metrics[h] = this.metricAt(hop);
  }

  /** The preamble metric if hop `hop` were the negated last block. */
  private metricAt(hop: number): number {
    const first = hop - (this.blocks - 1) * HOPS_PER_BLOCK;
    if (first < 0) return 0;
    let sumRe = 0;
    let sumIm = 0;
    let energy = 0;
    for (let j = 0; j < this.blocks; j += 1) {
      const h = (first + j * HOPS_PER_BLOCK) % this.history;
      energy += this.energy[h]!;
      if (j === 0) continue;
      const sign = j === this.blocks - 1 ? -1 : 1;
      sumRe += sign * this.correlationRe[h]!;
      sumIm += sign * this.correlationIm[h]!;
    }
    const pairs = this.blocks - 1;
    const denominator = (energy * pairs) / this.blocks;
    return denominator > 1e-30 ? Math.hypot(sumRe, sumIm) / denominator : 0;
  }

  private judge(hop: number, reach: number): Detection | null {
    const value = this.metrics[hop % this.history]!;
    if (value < this.threshold) return null;
    for (let other = Math.max(0, hop - reach); other <= hop + reach; other += 1) {
      if (other === hop) continue;
      const competitor = this.metrics[other % this.history]!;
      // Ties go to the earlier hop, so a flat top yields one detection.
      if (competitor > value || (competitor === value && other < hop)) return null;
    }
    return { start: hop * HOP - (this.blocks - 1) * FFT_SIZE, metric: value };
  }
}
