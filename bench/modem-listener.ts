/**
 * What a listener pays to hear every profile: the same recording (60 s of a looped 95-byte fast
 * frame, one copy in three, under white noise at 48 kHz) through one fast demodulator (the
 * reference) and through `createDemodulators` for all three profiles, as every listener runs them.
 */
import { createDemodulator, createDemodulators, modulate } from '@webrtc-connect/modem';

/** The recording's sample rate and length, and the blocks a listener is fed. */
export const RATE = 48_000;
export const SECONDS = 60;
export const BLOCK = 2048;

export interface ListenerCost {
  setup: string;
  frames: number;
  /** Seconds of sound decoded per second of CPU. */
  realTimeFactor: number;
}

/**
 * 60 s of a looped 95-byte fast frame, one copy in three, under white noise: made with
 * `modulateFrame`, so bench/modem-listener-compare.ts can make it with another checkout's modem.
 */
export function recording(
  modulateFrame: (
    payload: Uint8Array,
    options: { sampleRate: number; profile: 'fast' },
  ) => Float32Array = modulate,
): Float32Array {
  const frame = modulateFrame(new Uint8Array(95).fill(7), { sampleRate: RATE, profile: 'fast' });
  const sound = new Float32Array(RATE * SECONDS);
  let seed = 1;
  for (let i = 0; i < sound.length; i += 1) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    sound[i] = (seed / 2 ** 32 - 0.5) * 0.02;
  }
  for (let at = 0; at + frame.length < sound.length; at += frame.length * 3) {
    for (let i = 0; i < frame.length; i += 1) {
      sound[at + i] = (sound[at + i] ?? 0) + (frame[i] ?? 0) * 0.5;
    }
  }
  return sound;
}

function measure(setup: string, push: (block: Float32Array) => unknown[], sound: Float32Array) {
  const started = performance.now();
  let frames = 0;
  for (let i = 0; i < sound.length; i += BLOCK) frames += push(sound.subarray(i, i + BLOCK)).length;
  const seconds = (performance.now() - started) / 1000;
  return { setup, frames, realTimeFactor: SECONDS / seconds };
}

export function benchListener(): ListenerCost[] {
  const sound = recording();
  // A first pass of each, unmeasured, so neither is timed while the JIT warms up.
  const warmUp = sound.subarray(0, RATE * 10);
  const coldFast = createDemodulator({ sampleRate: RATE });
  const coldEvery = createDemodulators({ sampleRate: RATE });
  measure('', (block) => coldFast.push(block), warmUp);
  measure('', (block) => coldEvery.push(block), warmUp);
  const fast = createDemodulator({ sampleRate: RATE, profile: 'fast' });
  const every = createDemodulators({ sampleRate: RATE });
  return [
    measure('fast demodulator (reference)', (block) => fast.push(block), sound),
    measure('every profile (every listener)', (block) => every.push(block), sound),
  ];
}
