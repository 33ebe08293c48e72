/**
 * What small speakers and microphones do to sound: second-order high-pass and low-pass
 * sections (the Audio EQ Cookbook's biquads), and clipping when a speaker is driven too hard.
 */
interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

function design(kind: 'lowpass' | 'highpass', hz: number, sampleRate: number, q: number): Biquad {
  const w = (2 * Math.PI * hz) / sampleRate;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  const b1 = kind === 'lowpass' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
  return { b0: b0 / a0, b1: b1 / a0, b2: b0 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

function run(signal: Float32Array, section: Biquad): Float32Array {
  const out = new Float32Array(signal.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < signal.length; i += 1) {
    const x = signal[i] as number;
    const y =
      section.b0 * x + section.b1 * x1 + section.b2 * x2 - section.a1 * y1 - section.a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    out[i] = y;
  }
  return out;
}

export interface BandLimit {
  /** High-pass corner (Hz): where a small speaker's bass gives out. */
  highPassHz: number;
  /** Low-pass corner (Hz). */
  lowPassHz: number;
  /** Sections of each (each adds 12 dB an octave of roll-off). */
  order?: number;
}

/** A phone speaker: nothing much below 400 Hz, rolling off above 8 kHz. */
export const PHONE_SPEAKER: BandLimit = { highPassHz: 400, lowPassHz: 8000, order: 2 };
/** A laptop or phone microphone: a gentle high-pass, rolling off above 10 kHz. */
export const PHONE_MICROPHONE: BandLimit = { highPassHz: 150, lowPassHz: 10000, order: 1 };

export function bandLimit(
  signal: Float32Array,
  sampleRate: number,
  limit: BandLimit,
): Float32Array {
  let out = signal;
  for (let i = 0; i < (limit.order ?? 1); i += 1) {
    out = run(out, design('highpass', limit.highPassHz, sampleRate, Math.SQRT1_2));
    if (limit.lowPassHz < sampleRate / 2)
      out = run(out, design('lowpass', limit.lowPassHz, sampleRate, Math.SQRT1_2));
  }
  return out;
}

/** Hard clipping `overdriveDb` below the signal's own peak (a speaker driven past its limit). */
export function clip(signal: Float32Array, overdriveDb: number): Float32Array {
  let peak = 0;
  for (const value of signal) peak = Math.max(peak, Math.abs(value));
  const limit = peak * 10 ** (-overdriveDb / 20);
  return signal.map((value) => Math.max(-limit, Math.min(limit, value)));
}
