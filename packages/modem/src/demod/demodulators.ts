/**
 * One microphone, every profile: a demodulator per profile fed the same samples. The sender
 * chooses fast or sturdy; the listener needs no setting, and a frame never decodes under the
 * other profile (the profile id is bound into both checksums).
 */
import { ModemError } from '../errors.ts';
import type { ProfileName } from '../profiles.ts';
import { createDemodulator, type Demodulator } from './demodulator.ts';

export const PROFILE_NAMES: readonly ProfileName[] = ['fast', 'robust'];

/** A payload and the profile it was sent in. */
export interface HeardFrame {
  payload: Uint8Array;
  profile: ProfileName;
}

export interface DemodulatorsOptions {
  sampleRate: number;
  /** The profiles to listen for (default both); at least one. */
  profiles?: readonly ProfileName[];
}

export interface Demodulators {
  /** Feeds microphone samples to every profile's demodulator; returns what they completed. */
  push(samples: Float32Array): HeardFrame[];
  /** Each profile's demodulator, for its counters. */
  readonly byProfile: ReadonlyMap<ProfileName, Demodulator>;
}

export function createDemodulators(options: DemodulatorsOptions): Demodulators {
  const profiles = [...new Set(options.profiles ?? PROFILE_NAMES)];
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
