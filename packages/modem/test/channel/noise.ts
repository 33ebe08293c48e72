/**
 * Background noise: white (equal power per hertz) or pink (equal power per octave, like most
 * rooms, fans and traffic: most of its power lies below the modem's band).
 */
import { createRandom, type Random } from './random.ts';

export type NoiseColour = 'white' | 'pink';

/**
 * Normal deviates drawn from a fixed table of 65,536 (tails to about 4.3 sigma): one random
 * index per sample instead of a logarithm and a square root, for minutes of noise per trial.
 */
let table: Float32Array | undefined;

function gaussians(): Float32Array {
  if (!table) {
    const random = createRandom(0x6a55);
    table = Float32Array.from({ length: 65536 }, () => random.gaussian());
  }
  return table;
}

export function noise(length: number, colour: NoiseColour, random: Random): Float32Array {
  const out = new Float32Array(length);
  const normal = gaussians();
  const draw = () => normal[(random.uniform() * 65536) | 0] as number;
  if (colour === 'white') {
    for (let i = 0; i < length; i += 1) out[i] = draw();
    return out;
  }
  // Paul Kellet's pink filter: white noise through a sum of one-pole sections, -3 dB/octave
  // within ±0.05 dB from 9 Hz to the top of the audio band at 44.1 and 48 kHz.
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  let b4 = 0;
  let b5 = 0;
  let b6 = 0;
  for (let i = 0; i < length; i += 1) {
    const white = draw();
    b0 = 0.99886 * b0 + white * 0.0555179;
    b1 = 0.99332 * b1 + white * 0.0750759;
    b2 = 0.969 * b2 + white * 0.153852;
    b3 = 0.8665 * b3 + white * 0.3104856;
    b4 = 0.55 * b4 + white * 0.5329522;
    b5 = -0.7616 * b5 - white * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362;
    b6 = white * 0.115926;
  }
  return out;
}
