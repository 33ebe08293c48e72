/**
 * A telephone call, as the narrowband profile's tests and the benchmark see it:
 *
 *   frame, looped at the sender's rate → the calling phone's clock (resampled to 8 kHz, ±0.05%)
 *   → speech babble around the phone at an in-band ratio → the telephone band (300–3400 Hz)
 *   → a speech codec's round trip → 8 kHz samples at the far end
 *
 * The codecs are the real ones, run as child processes: G.711 μ-law and GSM 06.10 full rate
 * through sox, Opus at 12 kbit/s in VoIP mode through opus-tools. The babble goes in before
 * the codec, as it does when the phone's microphone hears the room: the codec must then code
 * the modem and the voices together.
 */
import { spawnSync } from 'node:child_process';
import { bandPower } from './fft.ts';
import { bandLimit } from './filters.ts';
import { speechLike } from './interference.ts';
import { createRandom, type Random } from './random.ts';
import { samplePeriodic } from './resample.ts';

export type PhoneCodec = 'ulaw' | 'gsm' | 'opus';
export const PHONE_CODECS: readonly PhoneCodec[] = ['ulaw', 'gsm', 'opus'];
/** The telephone band, Hz: what every call keeps. */
export const PHONE_BAND: readonly [number, number] = [300, 3400];
export const PHONE_RATE = 8000;

const RAW_PCM = ['-t', 'raw', '-r', '8000', '-e', 'signed', '-b', '16', '-c', '1'];

function toPcm(samples: Float32Array): Buffer {
  const pcm = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i += 1) {
    const value = Math.max(-1, Math.min(1, samples[i] as number));
    pcm.writeInt16LE(Math.round(value * 32767), i * 2);
  }
  return pcm;
}

function fromPcm(pcm: Buffer, length: number): Float32Array {
  const out = new Float32Array(length);
  const count = Math.min(length, Math.floor(pcm.length / 2));
  for (let i = 0; i < count; i += 1) out[i] = pcm.readInt16LE(i * 2) / 32768;
  return out;
}

function run(command: string, args: string[], input: Buffer): Buffer {
  const result = spawnSync(command, args, { input, maxBuffer: 1 << 28 });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/** 8 kHz samples through a codec's encoder and decoder; the same length comes back. */
export function throughCodec(samples: Float32Array, codec: PhoneCodec): Float32Array {
  const pcm = toPcm(samples);
  let decoded: Buffer;
  if (codec === 'opus') {
    // 4000 = OPUS_SET_APPLICATION, 2048 = OPUS_APPLICATION_VOIP: what calls and WebRTC use.
    const encoded = run(
      'opusenc',
      [
        '--quiet',
        '--raw',
        '--raw-rate',
        '8000',
        '--raw-chan',
        '1',
        '--bitrate',
        '12',
        '--hard-cbr',
        '--framesize',
        '20',
        '--comp',
        '10',
        '--speech',
        '--set-ctl-int',
        '4000=2048',
        '-',
        '-',
      ],
      pcm,
    );
    decoded = run('opusdec', ['--quiet', '--rate', '8000', '-', '-'], encoded);
  } else {
    const format = codec === 'gsm' ? ['-t', 'gsm'] : ['-t', 'raw', '-e', 'u-law', '-b', '8'];
    const encoded = run('sox', [...RAW_PCM, '-', ...format, '-'], pcm);
    decoded = run('sox', [...format, '-r', '8000', '-c', '1', '-', ...RAW_PCM, '-'], encoded);
  }
  return fromPcm(decoded, samples.length);
}

/** Several speech-like voices at once, as in a café or an open office. */
export function babble(
  length: number,
  sampleRate: number,
  random: Random,
  voices = 6,
): Float32Array {
  const out = new Float32Array(length);
  for (let v = 0; v < voices; v += 1) {
    const voice = speechLike(length, sampleRate, random);
    const power = bandPower(voice, sampleRate, 0, sampleRate / 2);
    const gain = power > 0 ? 1 / Math.sqrt(power) : 0;
    for (let i = 0; i < length; i += 1) out[i] = (out[i] as number) + gain * (voice[i] as number);
  }
  return out;
}

export interface PhoneCallOptions {
  /** Rate of the period being played. */
  txRate: number;
  /** The calling phone's clock error relative to the sender's (+0.0005: 0.05% fast). */
  clockOffset?: number;
  /** Seconds into the loop where the call picks up; random within the period if omitted. */
  start?: number;
  /** Seconds of sound carried. */
  duration: number;
  /** Babble below the signal within the telephone band, dB; none if omitted. */
  snrDb?: number;
  /** The codec's round trip; none (the band alone) if omitted. */
  codec?: PhoneCodec;
  seed: number;
}

/** Peak level the phone's microphone path is set to: codecs clip at full scale. */
const LEVEL = 0.5;

function toLine(sound: Float32Array): Float32Array {
  const line = bandLimit(sound, PHONE_RATE, {
    highPassHz: PHONE_BAND[0],
    lowPassHz: PHONE_BAND[1],
    order: 2,
  });
  let peak = 0;
  for (const value of line) peak = Math.max(peak, Math.abs(value));
  return peak > 0 ? line.map((value) => (value * LEVEL) / peak) : line;
}

/**
 * A phone line with no transmission on it, at 8 kHz, before the codec: babble, with hiss
 * 10 dB below it, in the telephone band. For the tests that nothing decodes from it.
 */
export function phoneLine(seconds: number, random: Random): Float32Array {
  const length = Math.round(seconds * PHONE_RATE);
  const sound = babble(length, PHONE_RATE, random);
  const voices = bandPower(sound, PHONE_RATE, 0, PHONE_RATE / 2);
  const hiss = Math.sqrt(voices / 10);
  for (let i = 0; i < length; i += 1) sound[i] = (sound[i] as number) + hiss * random.gaussian();
  return toLine(sound);
}

/** What the far end of a call hears of a looped sound played into the phone: 8 kHz samples. */
export function phoneCall(period: Float32Array, options: PhoneCallOptions): Float32Array {
  const random = createRandom(options.seed);
  const periodSeconds = period.length / options.txRate;
  const start = options.start ?? random.between(0, periodSeconds);
  const settle = Math.round(0.05 * PHONE_RATE);
  const length = Math.round(options.duration * PHONE_RATE) + settle;
  const heard = samplePeriodic(period, {
    fromRate: options.txRate,
    toRate: PHONE_RATE,
    clockOffset: options.clockOffset ?? 0,
    start: start - settle / PHONE_RATE,
    length,
  });
  if (options.snrDb !== undefined) {
    const [low, high] = PHONE_BAND;
    const signalPower = bandPower(heard, PHONE_RATE, low, high);
    const voices = babble(length, PHONE_RATE, random);
    const own = bandPower(voices, PHONE_RATE, low, high);
    const gain = Math.sqrt(signalPower / 10 ** (options.snrDb / 10) / own);
    for (let i = 0; i < length; i += 1)
      heard[i] = (heard[i] as number) + gain * (voices[i] as number);
  }
  const line = toLine(heard);
  return (options.codec ? throughCodec(line, options.codec) : line).slice(settle);
}
