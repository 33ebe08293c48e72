/**
 * The whole acoustic path of a looped transmission, as the modem's tests and benchmark see it:
 *
 *   frame, looped → clipping → speaker → room (reverberation) → the receiver's clock and rate
 *   → background noise and interference at a given in-band ratio → microphone → samples
 *
 * `playInRoom` does the sender's half once per sender and room: its output is one period of the
 * steady-state sound in the room (the loop has been playing for a while). `record` does the
 * receiver's half per trial: where in the loop it starts listening, its clock, and the noise.
 */
import { bandPower, convolve, powerSpectrum } from './fft.ts';
import { type BandLimit, bandLimit, clip } from './filters.ts';
import { type InterferenceKind, interference } from './interference.ts';
import { type NoiseColour, noise } from './noise.ts';
import { createRandom } from './random.ts';
import { samplePeriodic } from './resample.ts';
import { type RoomOptions, roomImpulseResponse } from './reverb.ts';

export interface PlaybackOptions {
  sampleRate: number;
  /** Clip this many dB below the frame's peak (a speaker overdriven); none if omitted. */
  clipDb?: number;
  speaker?: BandLimit;
  room?: RoomOptions;
  seed: number;
}

function repeatTail(period: Float32Array, before: number): Float32Array {
  const out = new Float32Array(before + period.length);
  for (let i = 0; i < out.length; i += 1) {
    const index = (((i - before) % period.length) + period.length) % period.length;
    out[i] = period[index] as number;
  }
  return out;
}

/** One period of the looped frame as it sounds in the room, in steady state. */
export function playInRoom(frame: Float32Array, options: PlaybackOptions): Float32Array {
  let period = options.clipDb === undefined ? frame : clip(frame, options.clipDb);
  if (options.speaker) {
    const settle = Math.round(0.05 * options.sampleRate);
    period = bandLimit(repeatTail(period, settle), options.sampleRate, options.speaker).slice(
      settle,
    );
  }
  if (options.room) {
    const response = roomImpulseResponse(
      options.sampleRate,
      options.room,
      createRandom(options.seed),
    );
    period = convolve(repeatTail(period, response.length), response).slice(response.length);
  }
  return period;
}

export interface RecordingOptions {
  /** Rate of the period being played, and of the receiving device. */
  txRate: number;
  rxRate: number;
  /** The receiver's clock error relative to the sender's (+0.001: 0.1% fast). */
  clockOffset?: number;
  /** Seconds into the loop where listening starts; random within the period if omitted. */
  start?: number;
  /** Seconds of sound recorded. */
  duration: number;
  /** In-band signal-to-noise ratio, dB; no noise if omitted. */
  snrDb?: number;
  /**
   * The period's in-band power, if already known (see `inBandPower`): saves measuring it on
   * every recording of the same period.
   */
  signalPower?: number;
  /** The band the ratios are measured in, Hz: the band the transmission occupies. */
  band?: readonly [number, number];
  noise?: NoiseColour;
  interference?: { kind: InterferenceKind; levelDb: number };
  microphone?: BandLimit;
  seed: number;
}

/** What the receiver's microphone records of a periodic sound (see `playInRoom`). */
export function record(period: Float32Array, options: RecordingOptions): Float32Array {
  const random = createRandom(options.seed);
  const periodSeconds = period.length / options.txRate;
  const start = options.start ?? random.between(0, periodSeconds);
  const settle = Math.round(0.05 * options.rxRate);
  const length = Math.round(options.duration * options.rxRate) + settle;
  const recorded = samplePeriodic(period, {
    fromRate: options.txRate,
    toRate: options.rxRate,
    clockOffset: options.clockOffset ?? 0,
    start: start - settle / options.rxRate,
    length,
  });
  const [low, high] = options.band ?? [0, options.rxRate / 2];
  const signalPower = options.signalPower ?? bandPower(recorded, options.rxRate, low, high);
  if (options.snrDb !== undefined) {
    const colour = options.noise ?? 'white';
    const background = noise(length, colour, random);
    const wanted = signalPower / 10 ** (options.snrDb / 10);
    const share = totalPower(background) * inBandShare(colour, options.rxRate, low, high);
    const gain = Math.sqrt(wanted / share);
    for (let i = 0; i < length; i += 1)
      recorded[i] = (recorded[i] as number) + gain * (background[i] as number);
  }
  if (options.interference) {
    const sound = interference(options.interference.kind, length, options.rxRate, random);
    addScaled(
      recorded,
      sound,
      options.rxRate,
      [low, high],
      signalPower * 10 ** (options.interference.levelDb / 10),
    );
  }
  const out = options.microphone
    ? bandLimit(recorded, options.rxRate, options.microphone)
    : recorded;
  return out.slice(settle);
}

/** In-band power of a sound, e.g. of `playInRoom`'s period, for `RecordingOptions.signalPower`. */
export function inBandPower(
  sound: Float32Array,
  sampleRate: number,
  band: readonly [number, number],
): number {
  return bandPower(sound, sampleRate, band[0], band[1]);
}

function totalPower(sound: Float32Array): number {
  let sum = 0;
  for (const value of sound) sum += value * value;
  return sum / Math.max(1, sound.length);
}

const shares = new Map<string, number>();

/** The fraction of a noise colour's power within a band, measured once on 8 s of it. */
function inBandShare(colour: NoiseColour, rate: number, low: number, high: number): number {
  const key = `${colour} ${rate} ${low} ${high}`;
  let share = shares.get(key);
  if (share === undefined) {
    const sample = noise(Math.round(8 * rate), colour, createRandom(12345));
    share = bandPower(sample, rate, low, high) / totalPower(sample);
    shares.set(key, share);
  }
  return share;
}

/** Adds `sound` to `target`, scaled so its power within `band` is `power`. */
function addScaled(
  target: Float32Array,
  sound: Float32Array,
  rate: number,
  band: readonly [number, number],
  power: number,
): void {
  const own = bandPower(sound, rate, band[0], band[1]);
  const gain = own > 0 ? Math.sqrt(power / own) : 0;
  for (let i = 0; i < target.length; i += 1)
    target[i] = (target[i] as number) + gain * (sound[i] as number);
}

/** The sounds with no transmission that integrity trials cycle through: noise, voice, music, mixes. */
export const AMBIENCES: ReadonlyArray<{ noise?: NoiseColour; interference?: InterferenceKind }> = [
  { noise: 'white' },
  { noise: 'pink' },
  { interference: 'speech' },
  { interference: 'music' },
  { noise: 'pink', interference: 'speech' },
  { noise: 'white', interference: 'music' },
];

/** Sound with no transmission in it: noise, and speech or music, for false-positive tests. */
export function ambience(options: {
  sampleRate: number;
  duration: number;
  noise?: NoiseColour;
  interference?: InterferenceKind;
  /** Interference over noise, in dB, when both are present. */
  levelDb?: number;
  seed: number;
}): Float32Array {
  const random = createRandom(options.seed);
  const length = Math.round(options.duration * options.sampleRate);
  const out = options.noise ? noise(length, options.noise, random) : new Float32Array(length);
  if (options.interference) {
    const sound = interference(options.interference, length, options.sampleRate, random);
    const reference = options.noise
      ? bandPower(out, options.sampleRate, 0, options.sampleRate / 2)
      : 0;
    const own = bandPower(sound, options.sampleRate, 0, options.sampleRate / 2);
    const gain = options.noise
      ? Math.sqrt((reference * 10 ** ((options.levelDb ?? 0) / 10)) / own)
      : 1 / Math.sqrt(own);
    for (let i = 0; i < length; i += 1) out[i] = (out[i] as number) + gain * (sound[i] as number);
  }
  return out;
}

/** The band holding all but `fraction` of a sound's energy (half on each side), in Hz. */
export function occupiedBand(
  sound: Float32Array,
  sampleRate: number,
  fraction = 0.01,
): [number, number] {
  const size = 8192;
  const power = powerSpectrum(sound, size);
  const total = power.reduce((sum, value) => sum + value, 0);
  let below = 0;
  let low = 0;
  let high = sampleRate / 2;
  for (let k = 0; k < power.length; k += 1) {
    const before = below;
    below += power[k] as number;
    if (before < (total * fraction) / 2 && below >= (total * fraction) / 2)
      low = (k * sampleRate) / size;
    if (before < total * (1 - fraction / 2) && below >= total * (1 - fraction / 2))
      high = (k * sampleRate) / size;
  }
  return [low, high];
}
