import { createDemodulators } from '@webrtc-connect/modem';
import { describe, expect, it } from 'vitest';
import { createRandom, PHONE_CODECS, phoneLine, throughCodec } from './channel/index.ts';
import { phoneTrial } from './phone-trial.ts';

// A few trials per codec: the benchmark (bench/modem-phone.ts) runs the large counts.
const TRIALS = 4;
// Each test is a fixed amount of work (codecs run as child processes): seconds on a busy machine.
const BOUNDED_WORK_MS = 60_000;

describe('the narrowband profile over a phone call', () => {
  it.each(PHONE_CODECS)(
    'comes through %s at 10 dB babble with the clocks 500 ppm apart, heard at 8 kHz',
    (codec) => {
      let successes = 0;
      let wrong = 0;
      for (let i = 0; i < TRIALS; i += 1) {
        const outcome = phoneTrial(codec, 10, 0x7e1e + 31 * i);
        if (outcome.success) successes += 1;
        wrong += outcome.wrong;
      }
      expect(successes).toBe(TRIALS);
      expect(wrong).toBe(0);
    },
    BOUNDED_WORK_MS,
  );

  it(
    'decodes nothing from a minute of phone-line noise and babble, through every codec',
    () => {
      const random = createRandom(0x4015e);
      const listener = createDemodulators({ sampleRate: 8000 });
      let heard = 0;
      for (const codec of PHONE_CODECS) {
        const line = throughCodec(phoneLine(20, random), codec);
        for (let i = 0; i < line.length; i += 1024)
          heard += listener.push(line.subarray(i, i + 1024)).length;
      }
      expect(heard).toBe(0);
      expect([...listener.byProfile.keys()]).toEqual(['narrowband']);
    },
    BOUNDED_WORK_MS,
  );
});
