/**
 * Sounds that are not the modem, for false-positive tests: speech-like (a voiced source with a
 * wandering pitch through three formants, syllables at about 4 a second, hissing consonants) and
 * music-like (chords of harmonic notes with attack and decay, and hi-hat ticks). Both are loud
 * across the modem's band, periodic over tens of milliseconds, and nothing like its preamble.
 */
import type { Random } from './random.ts';

export type InterferenceKind = 'speech' | 'music';

function resonator(hz: number, bandwidthHz: number, sampleRate: number) {
  const r = Math.exp((-Math.PI * bandwidthHz) / sampleRate);
  const a1 = -2 * r * Math.cos((2 * Math.PI * hz) / sampleRate);
  const a2 = r * r;
  let y1 = 0;
  let y2 = 0;
  return (x: number) => {
    const y = (1 - r) * x - a1 * y1 - a2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  };
}

export function speechLike(length: number, sampleRate: number, random: Random): Float32Array {
  const out = new Float32Array(length);
  let i = 0;
  let phase = 0;
  while (i < length) {
    const syllable = Math.round(random.between(0.12, 0.35) * sampleRate);
    const voiced = random.uniform() < 0.75;
    const pitch = random.between(90, 260);
    const formants = [
      resonator(random.between(300, 900), 80, sampleRate),
      resonator(random.between(900, 2500), 120, sampleRate),
      resonator(random.between(2500, 3800), 200, sampleRate),
    ];
    const hiss = resonator(random.between(3500, 7000), 1500, sampleRate);
    for (let n = 0; n < syllable && i < length; n += 1, i += 1) {
      const envelope = Math.sin((Math.PI * n) / syllable) ** 2;
      let value: number;
      if (voiced) {
        const vibrato = 1 + 0.03 * Math.sin((2 * Math.PI * 5 * n) / sampleRate);
        phase += (pitch * vibrato) / sampleRate;
        const pulse = phase >= 1 ? 1 : 0;
        if (phase >= 1) phase -= 1;
        const source = pulse * 20 + random.gaussian() * 0.05;
        value = formants.reduce((sum, formant, f) => sum + formant(source) / (f + 1), 0);
      } else {
        value = hiss(random.gaussian()) * 2;
      }
      out[i] = value * envelope;
    }
    // A pause between words, now and then.
    if (random.uniform() < 0.3) i += Math.round(random.between(0.05, 0.25) * sampleRate);
  }
  return out;
}

export function musicLike(length: number, sampleRate: number, random: Random): Float32Array {
  const out = new Float32Array(length);
  const beat = Math.round(random.between(0.4, 0.6) * sampleRate);
  for (let start = 0; start < length; start += beat) {
    const voices = 2 + Math.floor(random.uniform() * 3);
    const duration = beat * (1 + Math.floor(random.uniform() * 3));
    for (let v = 0; v < voices; v += 1) {
      const midi = 48 + Math.floor(random.uniform() * 36);
      const hz = 440 * 2 ** ((midi - 69) / 12);
      const partials = Math.max(1, Math.min(10, Math.floor(8000 / hz)));
      const amplitude = random.between(0.3, 1);
      // Each partial from a rotating phasor: no sine per sample.
      for (let p = 1; p <= partials; p += 1) {
        const stepCos = Math.cos((2 * Math.PI * hz * p) / sampleRate);
        const stepSin = Math.sin((2 * Math.PI * hz * p) / sampleRate);
        let c = 1;
        let s = 0;
        let envelope = 0;
        const decay = Math.exp(-3 / sampleRate);
        for (let n = 0; n < duration && start + n < length; n += 1) {
          envelope = n < 0.01 * sampleRate ? n / (0.01 * sampleRate) : envelope * decay;
          out[start + n] = (out[start + n] as number) + (amplitude * envelope * s) / p;
          const next = c * stepCos - s * stepSin;
          s = s * stepCos + c * stepSin;
          c = next;
        }
      }
    }
    // A hi-hat on the off-beat.
    const tick = start + Math.round(beat / 2);
    let previous = 0;
    for (let n = 0; n < 0.05 * sampleRate && tick + n < length; n += 1) {
      const white = random.gaussian();
      out[tick + n] =
        (out[tick + n] as number) + (white - previous) * 0.3 * Math.exp(-n / (0.01 * sampleRate));
      previous = white;
    }
  }
  return out;
}

export function interference(
  kind: InterferenceKind,
  length: number,
  sampleRate: number,
  random: Random,
): Float32Array {
  return kind === 'speech'
    ? speechLike(length, sampleRate, random)
    : musicLike(length, sampleRate, random);
}
