/**
 * The ways the modem trades airtime for robustness. All use the same OFDM timing (docs/modem.md
 * explains the numbers): carriers 15.625 Hz apart, symbols of 64 ms plus a 16 ms guard. `fast`
 * and `robust` fill 1 kHz to 7 kHz with 384 carriers, for a room; `narrowband` fills the
 * telephone band (350 Hz to 3.3 kHz) with 192, for a phone call or a headset. They differ in
 * where the carriers sit, how long the preamble and the header are and how many times each
 * coded payload bit is sent.
 */
import { BASEBAND_RATE } from './dsp/resample.ts';
import { ModemError } from './errors.ts';
import { type ConvolutionalCode, RATE_THIRD_K7 } from './fec/convolutional.ts';

export type ProfileName = 'fast' | 'robust' | 'narrowband';

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
  /** Audio frequency of the baseband's 0 Hz. */
  readonly centerHz: number;
  /** FFT bin of carrier 0, relative to the centre (negative: below it). */
  readonly firstBin: number;
  /** Carriers, one BPSK slot each per symbol, `firstBin` upwards. */
  readonly carriers: number;
  /** The lowest device rate whose band holds every carrier. */
  readonly minSampleRate: number;
  /**
   * The residual clock offset the frame's own symbols are searched for, after the preamble's
   * estimate: a few times that estimate's error on the profile's channels.
   */
  readonly maxDrift: number;
}

export const FFT_SIZE = 512;
export const CYCLIC_PREFIX = 128;
export const SYMBOL_LENGTH = FFT_SIZE + CYCLIC_PREFIX;
/** FFT windows start this many samples early, so a slightly late timing estimate costs nothing. */
export const WINDOW_BACKOFF = 8;
export const MAX_PAYLOAD = 255;
export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 384000;

/** 1.0 to 7.0 kHz: what small speakers and microphones carry well. */
const ROOM_GRID = {
  centerHz: 4000,
  firstBin: -192,
  carriers: 384,
  minSampleRate: 16000,
  maxDrift: 1.5e-4,
};
/** 350 Hz to 3.3 kHz, inside the telephone band (300 to 3400 Hz): playable and heard at 8 kHz. */
const TELEPHONE_GRID = {
  centerHz: 1850,
  firstBin: -96,
  carriers: 192,
  minSampleRate: 8000,
  // Through GSM the preamble misjudges the clock by up to 340 ppm (the codec rebuilds the upper
  // two thirds of the band with the wrong phases); the symbols, squared, find the rest.
  maxDrift: 4e-4,
};

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
    ...ROOM_GRID,
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
    ...ROOM_GRID,
  },
  narrowband: {
    name: 'narrowband',
    id: 0x4e,
    preambleBlocks: 4,
    preambleRoot: 37,
    headerSlots: 384,
    repetition: 1.5,
    code: RATE_THIRD_K7,
    // Higher than the room profiles': babble through a codec trips a lower one several times a
    // second, and each false alarm costs a synchronisation and a header.
    detectThreshold: 0.2,
    seed: 0x5eed_7e1e,
    ...TELEPHONE_GRID,
  },
};

export function resolveProfile(name: unknown): Profile {
  if (name === undefined) return PROFILES.fast;
  if (name === 'fast' || name === 'robust' || name === 'narrowband') return PROFILES[name];
  throw new ModemError('ERR_UNKNOWN_PROFILE', `unknown modem profile ${JSON.stringify(name)}`);
}

export function checkSampleRate(sampleRate: unknown, profile: Profile): number {
  if (
    typeof sampleRate !== 'number' ||
    !Number.isFinite(sampleRate) ||
    sampleRate < profile.minSampleRate ||
    sampleRate > MAX_SAMPLE_RATE
  )
    throw new ModemError(
      'ERR_UNSUPPORTED_SAMPLE_RATE',
      `the ${profile.name} profile needs a sample rate of ${profile.minSampleRate} to ${MAX_SAMPLE_RATE} Hz, not ${String(sampleRate)}`,
    );
  return sampleRate;
}

/** Absolute frequency of carrier `k` (0 to carriers - 1), in Hz. */
export function carrierHz(profile: Profile, k: number): number {
  return profile.centerHz + ((profile.firstBin + k) * BASEBAND_RATE) / FFT_SIZE;
}

/** FFT bin (0..FFT_SIZE-1) of carrier `k`. */
export function carrierBin(profile: Profile, k: number): number {
  return (profile.firstBin + k + FFT_SIZE) % FFT_SIZE;
}
