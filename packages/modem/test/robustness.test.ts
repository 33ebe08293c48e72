/**
 * The modem through simulated rooms (test/channel): speaker and microphone band limits, 44.1
 * and 48 kHz devices talking to each other with clocks 0.1% apart, a listener joining the loop
 * anywhere. Seeds are fixed, so each count is deterministic; the floors leave a trial or two of
 * slack against floating-point differences between platforms. The benchmark (bench/modem.ts)
 * runs the same channels with 200 trials each, beside ggwave.
 */
import { describe, expect, it } from 'vitest';
import { trials } from './trial.ts';

describe('the modem in a simulated room', { timeout: 30_000 }, () => {
  it('fast: 0 dB in-band SNR (white), RT60 0.3 s: decodes at least 29 of 30', () => {
    const { successes, wrong } = trials({ profile: 'fast', snrDb: 0, rt60: 0.3 }, 30, 1000);
    expect(successes).toBeGreaterThanOrEqual(29);
    expect(wrong).toBe(0);
  });

  it('fast: 0 dB pink noise, RT60 0.3 s, speaker clipped 6 dB: decodes at least 29 of 30', () => {
    const { successes, wrong } = trials(
      { profile: 'fast', snrDb: 0, noise: 'pink', rt60: 0.3, clipDb: 6 },
      30,
      2000,
    );
    expect(successes).toBeGreaterThanOrEqual(29);
    expect(wrong).toBe(0);
  });

  it('robust: -5 dB in-band SNR (white), RT60 0.3 s: decodes at least 29 of 30', () => {
    const { successes, wrong } = trials({ profile: 'robust', snrDb: -5, rt60: 0.3 }, 30, 3000);
    expect(successes).toBeGreaterThanOrEqual(29);
    expect(wrong).toBe(0);
  });

  it('fast: a bigger room (RT60 0.6 s, echoes 3 dB above the direct sound) at +5 dB: at least 19 of 20', () => {
    const { successes, wrong } = trials(
      { profile: 'fast', snrDb: 5, rt60: 0.6, drrDb: -3 },
      20,
      4000,
    );
    expect(successes).toBeGreaterThanOrEqual(19);
    expect(wrong).toBe(0);
  });

  it('fails cleanly far below its range: at -15 dB nothing wrong comes out', () => {
    const { wrong } = trials({ profile: 'fast', snrDb: -15, rt60: 0.3 }, 10, 5000);
    expect(wrong).toBe(0);
  });
});
