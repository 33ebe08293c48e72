import { createDemodulator, frameDuration, MAX_PAYLOAD, modulate } from '@webrtc-connect/modem';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import { occupiedBand } from './channel/index.ts';
import { bytes, loop, receive, sameBytes } from './helpers.ts';

describe('modulate and createDemodulator', () => {
  it.each([
    ['fast', 48000],
    ['fast', 44100],
    ['robust', 48000],
    ['robust', 16000],
    ['narrowband', 8000],
    ['narrowband', 44100],
  ] as const)(
    'a %s frame at %i Hz comes back byte for byte, whatever the listener joins',
    (profile, sampleRate) => {
      const payload = bytes(120, sampleRate);
      const frame = modulate(payload, { sampleRate, profile });
      // The receiver starts 37% into the loop, in blocks of an odd size.
      const heard = loop(frame, 3).subarray(Math.floor(frame.length * 0.37));
      const { payloads } = receive(heard, { sampleRate, profile }, 997);
      expect(payloads.length).toBeGreaterThanOrEqual(2);
      for (const payload2 of payloads) expect(sameBytes(payload2, payload)).toBe(true);
    },
  );

  it.each([0, 1, 17, 64, MAX_PAYLOAD])('carries a payload of %i bytes', (length) => {
    const payload = bytes(length, length + 1);
    const { payloads } = receive(loop(modulate(payload), 2), { sampleRate: 48000 });
    expect(payloads.length).toBeGreaterThan(0);
    expect(sameBytes(payloads[0] as Uint8Array, payload)).toBe(true);
  });

  it('decodes the same whether fed one sample at a time or all at once', () => {
    const payload = bytes(40, 7);
    const sound = loop(modulate(payload, { sampleRate: 16000 }), 2);
    const whole = receive(sound, { sampleRate: 16000 }, sound.length).payloads;
    const sampled = receive(sound, { sampleRate: 16000 }, 1).payloads;
    expect(whole.length).toBe(2);
    expect(sampled.length).toBe(whole.length);
    for (const payload2 of sampled) expect(sameBytes(payload2, payload)).toBe(true);
  });

  it('meets the airtime targets for 120 bytes: fast at most 1.2 s, robust at most 3 s', () => {
    expect(frameDuration(120, 'fast')).toBeLessThanOrEqual(1.2);
    expect(frameDuration(120, 'robust')).toBeLessThanOrEqual(3);
    expect(modulate(new Uint8Array(120), { sampleRate: 44100 }).length / 44100).toBeCloseTo(
      frameDuration(120),
      3,
    );
  });

  it('narrowband: 100 bytes in at most 3 s, within the telephone band at 8 kHz and above', () => {
    expect(frameDuration(100, 'narrowband')).toBeLessThanOrEqual(3);
    for (const sampleRate of [8000, 16000, 48000]) {
      const frame = modulate(bytes(100, 5), { sampleRate, profile: 'narrowband' });
      expect(Number.isInteger((frame.length * 50) / sampleRate)).toBe(true);
      expect(Math.max(...frame.map(Math.abs))).toBeLessThanOrEqual(1);
      const [low, high] = occupiedBand(frame, sampleRate);
      expect(low).toBeGreaterThan(300);
      expect(high).toBeLessThan(3400);
    }
    // The room profiles need 16 kHz; narrowband goes down to 8 kHz and no further.
    expect(
      codeOf(() => modulate(new Uint8Array(1), { sampleRate: 7999, profile: 'narrowband' })),
    ).toBe('ERR_UNSUPPORTED_SAMPLE_RATE');
  });

  it('stays within full scale and within 1 to 7 kHz, and loops without a seam at every common rate', () => {
    for (const sampleRate of [16000, 22050, 44100, 48000, 96000]) {
      const frame = modulate(bytes(90, 3), { sampleRate });
      expect(Number.isInteger((frame.length * 50) / sampleRate)).toBe(true); // whole 20 ms steps
      expect(Math.max(...frame.map(Math.abs))).toBeLessThanOrEqual(1);
      const [low, high] = occupiedBand(frame, sampleRate);
      expect(low).toBeGreaterThan(950);
      expect(high).toBeLessThan(7050);
    }
  });

  it('does not decode the other profile: a fast receiver ignores a robust sender, and back', () => {
    const payload = bytes(30, 9);
    const robust = loop(modulate(payload, { profile: 'robust' }), 2);
    const fast = loop(modulate(payload, { profile: 'fast' }), 3);
    expect(receive(robust, { sampleRate: 48000, profile: 'fast' }).payloads).toEqual([]);
    expect(receive(fast, { sampleRate: 48000, profile: 'robust' }).payloads).toEqual([]);
    const narrowband = loop(modulate(payload, { profile: 'narrowband' }), 2);
    expect(receive(narrowband, { sampleRate: 48000, profile: 'fast' }).payloads).toEqual([]);
    expect(receive(fast, { sampleRate: 48000, profile: 'narrowband' }).payloads).toEqual([]);
  });

  it('takes silence, and broken samples (NaN, infinities), without throwing or decoding anything', () => {
    const demodulator = createDemodulator({ sampleRate: 48000 });
    expect(demodulator.push(new Float32Array(48000))).toEqual([]);
    expect(demodulator.push(new Float32Array(4800).fill(Number.NaN))).toEqual([]);
    expect(demodulator.push(new Float32Array(4800).fill(Number.POSITIVE_INFINITY))).toEqual([]);
    expect(demodulator.push(new Float32Array(0))).toEqual([]);
    // ... and still decodes what comes after.
    const payload = bytes(12, 5);
    const after = loop(modulate(payload), 2);
    const decoded = [];
    for (let i = 0; i < after.length; i += 4096)
      decoded.push(...demodulator.push(after.subarray(i, i + 4096)));
    expect(decoded.some((p) => sameBytes(p, payload))).toBe(true);
  });

  it('refuses bad arguments with stable codes', () => {
    expect(codeOf(() => modulate(new Uint8Array(MAX_PAYLOAD + 1)))).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(codeOf(() => modulate([1, 2] as unknown as Uint8Array))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => modulate(new Uint8Array(1), { profile: 'turbo' }))).toBe(
      'ERR_UNKNOWN_PROFILE',
    );
    expect(codeOf(() => modulate(new Uint8Array(1), { sampleRate: 8000 }))).toBe(
      'ERR_UNSUPPORTED_SAMPLE_RATE',
    );
    expect(codeOf(() => createDemodulator({ sampleRate: Number.NaN }))).toBe(
      'ERR_UNSUPPORTED_SAMPLE_RATE',
    );
    expect(codeOf(() => createDemodulator({ sampleRate: 48000, profile: 'x' }))).toBe(
      'ERR_UNKNOWN_PROFILE',
    );
    expect(codeOf(() => createDemodulator(undefined as unknown as { sampleRate: number }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    const demodulator = createDemodulator({ sampleRate: 48000 });
    expect(codeOf(() => demodulator.push([0, 1] as unknown as Float32Array))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});
