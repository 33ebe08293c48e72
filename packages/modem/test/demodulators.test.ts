import { createDemodulators, type HeardFrame, modulate } from '@webrtc-connect/modem';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import { bytes, sameBytes } from './helpers.ts';

/** A fast frame, then a robust one, with a little silence around each. */
function bothProfiles(sampleRate: number) {
  const fast = bytes(60, 1);
  const robust = bytes(80, 2);
  const gap = new Float32Array(sampleRate / 4);
  const parts = [
    gap,
    modulate(fast, { sampleRate, profile: 'fast' }),
    gap,
    modulate(robust, { sampleRate, profile: 'robust' }),
    gap,
  ];
  const sound = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    sound.set(part, at);
    at += part.length;
  }
  return { fast, robust, sound };
}

function hear(sound: Float32Array, push: (block: Float32Array) => HeardFrame[]) {
  const heard: HeardFrame[] = [];
  for (let i = 0; i < sound.length; i += 4096) heard.push(...push(sound.subarray(i, i + 4096)));
  return heard;
}

describe('createDemodulators', () => {
  it('hears each frame in the profile it was sent in, with no setting', () => {
    const { fast, robust, sound } = bothProfiles(48000);
    const listener = createDemodulators({ sampleRate: 48000 });
    const heard = hear(sound, (block) => listener.push(block));
    expect(heard.map((frame) => frame.profile)).toEqual(['fast', 'robust']);
    expect([...listener.byProfile.keys()]).toEqual(['fast', 'robust', 'narrowband']);
    expect(sameBytes(heard[0]?.payload ?? new Uint8Array(), fast)).toBe(true);
    expect(sameBytes(heard[1]?.payload ?? new Uint8Array(), robust)).toBe(true);
  });

  it('listens for the profiles it is given only', () => {
    const { sound } = bothProfiles(44100);
    const listener = createDemodulators({ sampleRate: 44100, profiles: ['fast'] });
    expect(hear(sound, (block) => listener.push(block)).map((frame) => frame.profile)).toEqual([
      'fast',
    ]);
    expect([...listener.byProfile.keys()]).toEqual(['fast']);
  });

  it('at 8 kHz, listens for the narrowband profile only: the others need 16 kHz', () => {
    const payload = bytes(50, 3);
    const frame = modulate(payload, { sampleRate: 8000, profile: 'narrowband' });
    const listener = createDemodulators({ sampleRate: 8000 });
    expect([...listener.byProfile.keys()]).toEqual(['narrowband']);
    const heard = hear(frame, (block) => listener.push(block));
    expect(heard.map((frame) => frame.profile)).toEqual(['narrowband']);
    expect(sameBytes(heard[0]?.payload ?? new Uint8Array(), payload)).toBe(true);
    expect(codeOf(() => createDemodulators({ sampleRate: 8000, profiles: ['fast'] }))).toBe(
      'ERR_UNSUPPORTED_SAMPLE_RATE',
    );
  });

  it('refuses an empty or unknown profile list', () => {
    expect(codeOf(() => createDemodulators({ sampleRate: 48000, profiles: [] }))).toBe(
      'ERR_UNKNOWN_PROFILE',
    );
    expect(
      codeOf(() =>
        createDemodulators({ sampleRate: 48000, profiles: ['loud' as unknown as 'fast'] }),
      ),
    ).toBe('ERR_UNKNOWN_PROFILE');
  });
});
