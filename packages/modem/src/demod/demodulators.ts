/**
 * One microphone, every profile: a demodulator per profile fed the same samples. The sender
 * chooses fast, sturdy or narrowband (a phone call, a headset); the listener needs no setting,
 * and a frame never decodes under another profile (the profile id is bound into both checksums).
 */
import { ModemError } from '../errors.ts';
import { type ProfileName, resolveProfile } from '../profiles.ts';
import { createDemodulator, type Demodulator } from './demodulator.ts';

export const PROFILE_NAMES: readonly ProfileName[] = ['fast', 'robust', 'narrowband'];

/** A payload and the profile it was sent in. */
export interface HeardFrame {
  payload: Uint8Array;
  profile: ProfileName;
}

export interface DemodulatorsOptions {
  sampleRate: number;
  /**
   * The profiles to listen for (default all). Those the sample rate cannot carry are left out
   * (`fast` and `robust` need 16 kHz; `narrowband` works from 8 kHz); at least one must remain.
   */
  profiles?: readonly ProfileName[];
}

export interface Demodulators {
  /** Feeds microphone samples to every profile's demodulator; returns what they completed. */
  push(samples: Float32Array): HeardFrame[];
  /** Each profile's demodulator, for its counters. */
  readonly byProfile: ReadonlyMap<ProfileName, Demodulator>;
}

export function createDemodulators(options: DemodulatorsOptions): Demodulators {
  const wanted = [...new Set(options.profiles ?? PROFILE_NAMES)];
  const profiles = wanted.filter(
    (name) =>
      typeof options.sampleRate !== 'number' ||
      options.sampleRate >= resolveProfile(name).minSampleRate,
  );
  if (wanted.length > 0 && profiles.length === 0)
    throw new ModemError(
      'ERR_UNSUPPORTED_SAMPLE_RATE',
      `no profile among ${wanted.join(', ')} works at ${options.sampleRate} Hz`,
    );
  const byProfile = new Map(
    profiles.map((profile) => [
      profile,
      createDemodulator({ sampleRate: options.sampleRate, profile }),
    ]),
  );
  if (byProfile.size === 0) throw new ModemError('ERR_UNKNOWN_PROFILE', 'no profile to listen for');
  return {
    byProfile,
    push(samples) {
      const heard: HeardFrame[] = [];
      for (const [profile, demodulator] of byProfile) {
        for (const payload of demodulator.push(samples)) heard.push({ payload, profile });
      }
      return heard;
    },
  };
}
