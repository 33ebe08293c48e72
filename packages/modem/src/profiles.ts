/**
 * The two ways the modem trades airtime for robustness. Both use the same OFDM grid (docs/modem.md
 * explains the numbers): 384 carriers 15.625 Hz apart from 1 kHz to 7 kHz, symbols of 64 ms plus
 * a 16 ms guard; they differ in how long the preamble and the header are and how many times each
 * coded payload bit is sent.
 */
import { BASEBAND_RATE } from './dsp/resample.ts';
import { ModemError } from './errors.ts';
import { type ConvolutionalCode, RATE_THIRD_K7 } from './fec/convolutional.ts';

export type ProfileName = 'fast' | 'robust';

export interface Profile {
  readonly name: ProfileName;
  /** Bound into both checksums, so a frame is never taken for the other profile's. */
  readonly id: number;
  /** Repeated preamble blocks before the final, negated one. */
  readonly preambleBlocks: number;
  /** Zadoff-Chu root of the preamble: a different one per profile. */
  readonly preambleRoot: number;
  /** Slots of the first data symbols that carry the header's coded bits (repeated). */
  readonly headerSlots: number;
  /** How many slots, at least, each coded payload bit gets on average. */
  readonly repetition: number;
  /** The header's code (the payload's is the turbo code, fec/turbo.ts). */
  readonly code: ConvolutionalCode;
  /** Preamble detection threshold on the normalised periodicity metric (0..1). */
  readonly detectThreshold: number;
  /** Seeds the interleaver and the scrambling signs. */
  readonly seed: number;
}

export const CENTER_HZ = 4000;
export const FFT_SIZE = 512;
export const CYCLIC_PREFIX = 128;
export const SYMBOL_LENGTH = FFT_SIZE + CYCLIC_PREFIX;
export const FIRST_BIN = -192;
export const CARRIERS = 384;
/** FFT windows start this many samples early, so a slightly late timing estimate costs nothing. */
export const WINDOW_BACKOFF = 8;
export const MAX_PAYLOAD = 255;
export const MIN_SAMPLE_RATE = 16000;
export const MAX_SAMPLE_RATE = 384000;

const PROFILES: Record<ProfileName, Profile> = {
  fast: {
    name: 'fast',
    id: 0x46,
    preambleBlocks: 3,
    preambleRoot: 25,
    headerSlots: 132,
    repetition: 1.35,
    code: RATE_THIRD_K7,
    detectThreshold: 0.15,
    seed: 0x5eed_f457,
  },
  robust: {
    name: 'robust',
    id: 0x52,
    preambleBlocks: 6,
    preambleRoot: 131,
    headerSlots: 768,
    repetition: 3.66,
    code: RATE_THIRD_K7,
    detectThreshold: 0.1,
    seed: 0x5eed_2b57,
  },
};

export function resolveProfile(name: unknown): Profile {
  if (name === undefined) return PROFILES.fast;
  if (name === 'fast' || name === 'robust') return PROFILES[name];
  throw new ModemError('ERR_UNKNOWN_PROFILE', `unknown modem profile ${JSON.stringify(name)}`);
}

export function checkSampleRate(sampleRate: unknown): number {
  if (
    typeof sampleRate !== 'number' ||
    !Number.isFinite(sampleRate) ||
    sampleRate < MIN_SAMPLE_RATE ||
    sampleRate > MAX_SAMPLE_RATE
  )
    throw new ModemError(
      'ERR_UNSUPPORTED_SAMPLE_RATE',
      `sample rate must be ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz, not ${String(sampleRate)}`,
    );
  return sampleRate;
}

/** Absolute frequency of carrier `k` (0..383), in Hz. */
export function carrierHz(k: number): number {
  return CENTER_HZ + ((FIRST_BIN + k) * BASEBAND_RATE) / FFT_SIZE;
}

/** FFT bin (0..FFT_SIZE-1) of carrier `k`. */
export function carrierBin(k: number): number {
  return (FIRST_BIN + k + FFT_SIZE) % FFT_SIZE;
}
