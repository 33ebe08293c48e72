/** The channel simulator does what the modem's figures assume it does. */
import { describe, expect, it } from 'vitest';
import { bandPower } from './channel/fft.ts';
import {
  ambience,
  createRandom,
  occupiedBand,
  PHONE_SPEAKER,
  playInRoom,
  record,
} from './channel/index.ts';
import { roomImpulseResponse } from './channel/reverb.ts';

function tone(hz: number, rate: number, seconds: number): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, n) =>
    Math.sin((2 * Math.PI * hz * n) / rate),
  );
}

const dB = (ratio: number) => 10 * Math.log10(ratio);

describe('channel simulator', () => {
  it.each(['white', 'pink'] as const)(
    'adds %s noise at the asked in-band signal-to-noise ratio',
    (colour) => {
      const signal = ambience({ sampleRate: 48000, duration: 2, noise: 'white', seed: 1 });
      for (const snrDb of [-5, 0, 10]) {
        const options = {
          txRate: 48000,
          rxRate: 48000,
          start: 0,
          duration: 2,
          band: [1000, 7000] as const,
          seed: 7,
        };
        const clean = record(signal, options);
        const noisy = record(signal, { ...options, snrDb, noise: colour });
        const noise = noisy.map((value, i) => value - (clean[i] as number));
        const measured = dB(
          bandPower(clean, 48000, 1000, 7000) / bandPower(noise, 48000, 1000, 7000),
        );
        expect(Math.abs(measured - snrDb)).toBeLessThan(0.3);
      }
    },
  );

  it('makes rooms whose echoes decay 60 dB in RT60 seconds, at the asked direct-to-reverberant ratio', () => {
    const rate = 16000;
    const response = roomImpulseResponse(rate, { rt60: 0.4, drrDb: 2 }, createRandom(3));
    const energy = response.map((value) => value * value);
    const tail = energy.reduce((sum, value) => sum + value, 0) - (energy[0] as number);
    expect(dB((energy[0] as number) / tail)).toBeCloseTo(2, 5);
    // Schroeder integration: the decay from -5 to -25 dB, extrapolated to 60 dB.
    const remaining = new Float64Array(energy.length);
    let sum = 0;
    for (let n = energy.length - 1; n >= 1; n -= 1) remaining[n] = sum += energy[n] as number;
    const at = (level: number) =>
      remaining.findIndex((value, n) => n > 0 && dB(value / tail) < level) / rate;
    const rt60 = 3 * (at(-25) - at(-5));
    expect(rt60).toBeGreaterThan(0.36);
    expect(rt60).toBeLessThan(0.44);
  });

  it('samples with another clock: a 1 kHz tone from 44.1 kHz arrives at 48 kHz as 1000/1.001 Hz', () => {
    const period = tone(1000, 44100, 1);
    const heard = record(period, {
      txRate: 44100,
      rxRate: 48000,
      clockOffset: 1e-3,
      start: 0,
      duration: 0.5,
      seed: 1,
    });
    // Phase advance per sample of the analytic signal, measured with a long correlation.
    let re = 0;
    let im = 0;
    for (let n = 1; n < heard.length - 1; n += 1) {
      const a = heard[n] as number;
      const b = heard[n + 1] as number;
      const c = heard[n - 1] as number;
      re += a * a;
      im += a * (b + c);
    }
    const hz = (Math.acos(im / (2 * re)) * 48000) / (2 * Math.PI);
    expect(hz).toBeCloseTo(1000 / 1.001, 1);
    // Nothing but the tone: what a fitted sinusoid leaves (images, aliases, interpolation
    // error) stays 60 dB down.
    let c = 0;
    let q = 0;
    const w = (2 * Math.PI * hz) / 48000;
    heard.forEach((value, n) => {
      c += value * Math.cos(w * n);
      q += value * Math.sin(w * n);
    });
    let residual = 0;
    let total = 0;
    heard.forEach((value, n) => {
      const fitted = (2 / heard.length) * (c * Math.cos(w * n) + q * Math.sin(w * n));
      residual += (value - fitted) ** 2;
      total += value * value;
    });
    expect(dB(residual / total)).toBeLessThan(-60);
  });

  it('band-limits like a phone speaker: bass 20 dB down, the middle untouched', () => {
    const rate = 48000;
    const level = (hz: number) => {
      const out = playInRoom(tone(hz, rate, 0.5), {
        sampleRate: rate,
        speaker: PHONE_SPEAKER,
        seed: 1,
      });
      return dB(bandPower(out, rate, 0, rate / 2) / 0.5);
    };
    expect(level(100)).toBeLessThan(-20);
    expect(Math.abs(level(3000))).toBeLessThan(1);
  });

  it('finds the band a sound occupies', () => {
    const [low, high] = occupiedBand(
      record(ambience({ sampleRate: 48000, duration: 1, noise: 'white', seed: 2 }), {
        txRate: 48000,
        rxRate: 16000,
        start: 0,
        duration: 1,
        seed: 3,
      }),
      16000,
    );
    expect(low).toBeLessThan(100);
    expect(high).toBeGreaterThan(7000);
  });

  it('is deterministic: the same seed gives the same sound', () => {
    const a = ambience({
      sampleRate: 16000,
      duration: 0.5,
      noise: 'pink',
      interference: 'speech',
      seed: 9,
    });
    const b = ambience({
      sampleRate: 16000,
      duration: 0.5,
      noise: 'pink',
      interference: 'speech',
      seed: 9,
    });
    const c = ambience({
      sampleRate: 16000,
      duration: 0.5,
      noise: 'pink',
      interference: 'speech',
      seed: 10,
    });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});
