import { createDemodulator, type DemodulatorStats } from '@webrtc-connect/modem';

/** Feeds `sound` to a fresh demodulator in blocks of `block` samples, as a microphone would. */
export function receive(
  sound: Float32Array,
  options: { sampleRate: number; profile?: string },
  block = 2048,
): { payloads: Uint8Array[]; stats: DemodulatorStats } {
  const demodulator = createDemodulator(options);
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < sound.length; i += block)
    payloads.push(...demodulator.push(sound.subarray(i, i + block)));
  return { payloads, stats: { ...demodulator.stats } };
}

export function loop(frame: Float32Array, times: number): Float32Array {
  const out = new Float32Array(frame.length * times);
  for (let i = 0; i < times; i += 1) out.set(frame, i * frame.length);
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

export function bytes(length: number, seed: number): Uint8Array {
  let state = seed >>> 0;
  return Uint8Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 24;
  });
}
