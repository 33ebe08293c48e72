/**
 * Bytes to sound: one frame, ready to be played in a loop.
 */
import { Fft } from './dsp/fft.ts';
import { BASEBAND_RATE, upconvert } from './dsp/resample.ts';
import { ModemError } from './errors.ts';
import { convolutionalEncode } from './fec/convolutional.ts';
import { turboEncode } from './fec/turbo.ts';
import { headerBits, payloadBlockBits } from './frame/bits.ts';
import { frameLayout, frameLength } from './frame/layout.ts';
import { preambleOf } from './preamble.ts';
import {
  CYCLIC_PREFIX,
  carrierBin,
  checkSampleRate,
  FFT_SIZE,
  MAX_PAYLOAD,
  type Profile,
  resolveProfile,
  SYMBOL_LENGTH,
} from './profiles.ts';

export interface ModulateOptions {
  /** Samples per second of the device that plays the frame; 48000 unless given. */
  sampleRate?: number;
  /** `'fast'` (the default) or `'robust'`. */
  profile?: string;
}

const PEAK = 0.95;

/**
 * One frame carrying `payload` (up to 255 bytes), as samples from -1 to 1 at the given rate.
 * The sender plays it in a loop; a receiver that starts listening anywhere in the loop decodes
 * the next complete frame.
 */
export function modulate(payload: Uint8Array, options: ModulateOptions = {}): Float32Array {
  if (!(payload instanceof Uint8Array))
    throw new ModemError('ERR_INVALID_ARGUMENT', 'payload must be a Uint8Array');
  if (typeof options !== 'object' || options === null)
    throw new ModemError('ERR_INVALID_ARGUMENT', 'options must be an object');
  if (payload.length > MAX_PAYLOAD)
    throw new ModemError(
      'ERR_PAYLOAD_TOO_LARGE',
      `a frame carries at most ${MAX_PAYLOAD} bytes, not ${payload.length}`,
    );
  const profile = resolveProfile(options.profile);
  const sampleRate = checkSampleRate(options.sampleRate ?? 48000, profile);
  const { re, im } = basebandFrame(profile, payload);
  const samples = upconvert(re, im, sampleRate, profile.centerHz);
  let peak = 0;
  for (const value of samples) peak = Math.max(peak, Math.abs(value));
  const gain = peak > 0 ? PEAK / peak : 0;
  for (let i = 0; i < samples.length; i += 1) samples[i] = samples[i]! * gain;
  return samples;
}

/** Airtime of a frame, in seconds, without building it. */
export function frameDuration(payloadLength: number, profileName?: string): number {
  const profile = resolveProfile(profileName);
  return frameLength(profile, frameLayout(profile, payloadLength).symbols) / BASEBAND_RATE;
}

/** The frame as complex baseband at 8 kHz, unscaled (every carrier has unit magnitude). */
export function basebandFrame(
  profile: Profile,
  payload: Uint8Array,
): { re: Float64Array; im: Float64Array } {
  const layout = frameLayout(profile, payload.length);
  const header = convolutionalEncode(profile.code, headerBits(profile, payload.length));
  const body = turboEncode(payloadBlockBits(profile, payload));
  const length = frameLength(profile, layout.symbols);
  const re = new Float64Array(length);
  const im = new Float64Array(length);
  const preamble = preambleOf(profile);
  preamble.signs.forEach((sign, block) => {
    for (let n = 0; n < FFT_SIZE; n += 1) {
      re[block * FFT_SIZE + n] = sign * preamble.blockRe[n]!;
      im[block * FFT_SIZE + n] = sign * preamble.blockIm[n]!;
    }
  });
  const fft = new Fft(FFT_SIZE);
  const symbolRe = new Float64Array(FFT_SIZE);
  const symbolIm = new Float64Array(FFT_SIZE);
  const dataStart = preamble.signs.length * FFT_SIZE;
  for (let m = 0; m < layout.symbols; m += 1) {
    symbolRe.fill(0);
    symbolIm.fill(0);
    for (let k = 0; k < profile.carriers; k += 1) {
      const slot = m * profile.carriers + k;
      const index = layout.slotBit[slot]!;
      const bit = index < layout.headerCoded ? header[index]! : body[index - layout.headerCoded]!;
      symbolRe[carrierBin(profile, k)] = layout.slotSign[slot]! * (1 - 2 * bit);
    }
    fft.inverse(symbolRe, symbolIm);
    const start = dataStart + m * SYMBOL_LENGTH;
    for (let n = 0; n < SYMBOL_LENGTH; n += 1) {
      const source = (n + FFT_SIZE - CYCLIC_PREFIX) % FFT_SIZE;
      re[start + n] = symbolRe[source]!;
      im[start + n] = symbolIm[source]!;
    }
  }
  return { re, im };
}
