/**
 * A wrong payload is never returned: not from noise, speech or music, and not from a damaged
 * transmission, whatever the damage. Over a thousand short trials at 16 kHz (the cheapest rate a
 * device may use; the path is the same at every rate); the benchmark runs 10,000 more.
 */
import { createDemodulator, modulate } from '@webrtc-connect/modem';
import { describe, expect, it } from 'vitest';
import {
  AMBIENCES,
  ambience,
  createRandom,
  DAMAGES,
  damagedTransmission,
} from './channel/index.ts';
import { bytes, loop, receive, sameBytes } from './helpers.ts';

const RATE = 16000;
const PROFILES = ['fast', 'robust', 'narrowband'] as const;

describe('integrity', { timeout: 60_000 }, () => {
  it('returns nothing from 800 seconds of noise, speech-like and music-like sound', () => {
    let returned = 0;
    let detections = 0;
    for (let trial = 0; trial < 800; trial += 1) {
      const profile = PROFILES[trial % PROFILES.length] as (typeof PROFILES)[number];
      const kind = AMBIENCES[trial % AMBIENCES.length] as (typeof AMBIENCES)[number];
      const sound = ambience({ sampleRate: RATE, duration: 1, ...kind, levelDb: 0, seed: trial });
      const { payloads, stats } = receive(sound, { sampleRate: RATE, profile }, 4096);
      returned += payloads.length;
      detections += stats.detections;
    }
    expect(returned).toBe(0);
    // Some sounds did look like a preamble for a moment: the later checks turned them away.
    expect(detections).toBeGreaterThan(0);
  });

  it('returns only payloads that were sent from 240 damaged transmissions', () => {
    let wrong = 0;
    let repaired = 0;
    let rejected = 0;
    for (let trial = 0; trial < 240; trial += 1) {
      const profile = PROFILES[trial % PROFILES.length] as (typeof PROFILES)[number];
      const random = createRandom(trial);
      const length = 1 + (trial % 7) * 20;
      const sent = [bytes(length, trial), bytes(length, trial + 10_000)];
      const [a, b] = sent.map((payload) => modulate(payload, { sampleRate: RATE, profile }));
      const damage = DAMAGES[(trial >> 1) % DAMAGES.length] as (typeof DAMAGES)[number];
      const sound = damagedTransmission(a as Float32Array, b as Float32Array, RATE, damage, random);
      const { payloads, stats } = receive(sound, { sampleRate: RATE, profile }, 4096);
      for (const payload of payloads) {
        if (sent.some((s) => sameBytes(s, payload))) repaired += 1;
        else wrong += 1;
      }
      rejected += stats.rejected;
    }
    expect(wrong).toBe(0);
    // Both outcomes happened, so the test exercised the checksum and the error correction.
    expect(rejected).toBeGreaterThan(0);
    expect(repaired).toBeGreaterThan(0);
  });

  it('refuses a frame whose data was replaced by another frame of the same length', () => {
    // The header (length) is intact, the payload block is another frame's: the checksum, which
    // covers both, decides; whatever comes out must be one of the two payloads sent.
    for (let trial = 0; trial < 20; trial += 1) {
      const sent = [bytes(50, trial), bytes(50, trial + 77)];
      const [a, b] = sent.map((payload) => modulate(payload)) as [Float32Array, Float32Array];
      const spliced = Float32Array.from(a);
      const cut = Math.floor(a.length * (0.3 + 0.02 * trial));
      spliced.set(b.subarray(cut), cut);
      const { payloads } = receive(loop(spliced, 1), { sampleRate: 48000 });
      for (const payload of payloads) expect(sent.some((s) => sameBytes(s, payload))).toBe(true);
    }
  });

  it('returns the sent payload or nothing when a frame is cut short anywhere', () => {
    const payload = bytes(100, 1);
    const frame = modulate(payload, { sampleRate: RATE });
    let decoded = 0;
    for (let cut = 0.1; cut < 1; cut += 0.02) {
      const sound = new Float32Array(frame.length + RATE);
      sound.set(frame.subarray(0, Math.floor(frame.length * cut)));
      const { payloads } = receive(sound, { sampleRate: RATE });
      for (const p of payloads) expect(sameBytes(p, payload)).toBe(true);
      decoded += payloads.length;
    }
    // The code repairs a frame that lost the end of its data (erasures) when enough remains.
    expect(decoded).toBeGreaterThan(0);
    // Intact, the same frame decodes.
    const demodulator = createDemodulator({ sampleRate: RATE });
    expect(demodulator.push(loop(frame, 2)).some((p) => sameBytes(p, payload))).toBe(true);
  });
});
