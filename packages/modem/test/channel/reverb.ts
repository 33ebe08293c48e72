/**
 * Room impulse responses: a direct path, then a diffuse tail of Gaussian noise whose energy
 * decays by 60 dB in RT60 seconds. The tail starts after a short pre-delay (the first
 * reflections) and its total energy relative to the direct path is set by the
 * direct-to-reverberant ratio (DRR): about 0 dB is a speaker a metre or so away in a living room,
 * lower is farther or barer.
 */
import type { Random } from './random.ts';

export interface RoomOptions {
  rt60: number;
  /** Direct-to-reverberant energy ratio, dB (default 0). */
  drrDb?: number;
  /** Delay of the first reflections after the direct sound, seconds (default 2 ms). */
  predelay?: number;
}

export function roomImpulseResponse(
  sampleRate: number,
  room: RoomOptions,
  random: Random,
): Float64Array {
  const length = Math.ceil(room.rt60 * 1.2 * sampleRate); // to -72 dB
  const response = new Float64Array(length);
  const start = Math.max(1, Math.round((room.predelay ?? 0.002) * sampleRate));
  // Amplitude decays 60 dB over rt60: e^{-t·3·ln10/rt60}.
  const decay = (3 * Math.LN10) / (room.rt60 * sampleRate);
  let tailEnergy = 0;
  for (let n = start; n < length; n += 1) {
    const value = random.gaussian() * Math.exp(-decay * (n - start));
    response[n] = value;
    tailEnergy += value * value;
  }
  const wanted = 10 ** (-(room.drrDb ?? 0) / 10); // tail energy, with the direct path's at 1
  const scale = Math.sqrt(wanted / tailEnergy);
  for (let n = start; n < length; n += 1) response[n] = (response[n] as number) * scale;
  response[0] = 1;
  return response;
}
