/**
 * Convolutional coding with soft-decision Viterbi decoding, for the frame header: on 16 bits a
 * convolutional code is as good as anything, decodes in microseconds, and takes soft inputs
 * (log-likelihood ratios) that weigh each carrier by its own signal-to-noise ratio.
 */
export interface ConvolutionalCode {
  /** Constraint length K: the encoder remembers K - 1 bits, the decoder tracks 2^(K-1) states. */
  readonly constraint: number;
  /** One generator polynomial per output bit (rate 1/generators.length). */
  readonly generators: readonly number[];
}

/** Rate 1/3, K = 7 (LTE's polynomials 133, 171, 165 octal): free distance 15. */
export const RATE_THIRD_K7: ConvolutionalCode = {
  constraint: 7,
  generators: [0o133, 0o171, 0o165],
};

function parity(value: number): number {
  let v = value;
  v ^= v >>> 16;
  v ^= v >>> 8;
  v ^= v >>> 4;
  v ^= v >>> 2;
  v ^= v >>> 1;
  return v & 1;
}

/** Output pattern (bit j from generator j) for each (state, input bit) pair. */
function branchOutputs(code: ConvolutionalCode): Uint8Array {
  const states = 1 << (code.constraint - 1);
  const outputs = new Uint8Array(states * 2);
  for (let state = 0; state < states; state += 1) {
    for (let bit = 0; bit < 2; bit += 1) {
      const register = (state << 1) | bit;
      let pattern = 0;
      code.generators.forEach((generator, j) => {
        pattern |= parity(register & generator) << j;
      });
      outputs[state * 2 + bit] = pattern;
    }
  }
  return outputs;
}

/** Coded length for `infoBits` input bits, tail included. */
export function codedLength(code: ConvolutionalCode, infoBits: number): number {
  return (infoBits + code.constraint - 1) * code.generators.length;
}

/** Encodes bits (one per byte, 0 or 1), then K - 1 zeros that return the encoder to state 0. */
export function convolutionalEncode(code: ConvolutionalCode, bits: Uint8Array): Uint8Array {
  const rate = code.generators.length;
  const states = 1 << (code.constraint - 1);
  const outputs = branchOutputs(code);
  const steps = bits.length + code.constraint - 1;
  const coded = new Uint8Array(steps * rate);
  let state = 0;
  for (let t = 0; t < steps; t += 1) {
    const bit = t < bits.length ? bits[t]! & 1 : 0;
    const pattern = outputs[state * 2 + bit]!;
    for (let j = 0; j < rate; j += 1) coded[t * rate + j] = (pattern >> j) & 1;
    state = ((state << 1) | bit) & (states - 1);
  }
  return coded;
}

/**
 * The most likely input bits given one log-likelihood ratio per coded bit (positive: 0 is more
 * likely). Paths must end in state 0, as the encoder's tail makes them.
 */
export function viterbiDecode(
  code: ConvolutionalCode,
  llrs: Float64Array,
  infoBits: number,
): Uint8Array {
  const rate = code.generators.length;
  const states = 1 << (code.constraint - 1);
  const half = states >> 1;
  const outputs = branchOutputs(code);
  const steps = infoBits + code.constraint - 1;
  const patterns = 1 << rate;
  const branch = new Float64Array(patterns);
  let metrics = new Float64Array(states).fill(-1e300);
  metrics[0] = 0;
  let next = new Float64Array(states);
  const decisions = new Uint8Array(steps * states);
  for (let t = 0; t < steps; t += 1) {
    for (let p = 0; p < patterns; p += 1) {
      let sum = 0;
      for (let j = 0; j < rate; j += 1) {
        const llr = llrs[t * rate + j]!;
        sum += (p >> j) & 1 ? -llr : llr;
      }
      branch[p] = sum;
    }
    const row = t * states;
    for (let target = 0; target < states; target += 1) {
      const bit = target & 1;
      const from0 = target >> 1;
      const from1 = from0 | half;
      const m0 = metrics[from0]! + branch[outputs[from0 * 2 + bit]!]!;
      const m1 = metrics[from1]! + branch[outputs[from1 * 2 + bit]!]!;
      if (m1 > m0) {
        next[target] = m1;
        decisions[row + target] = 1;
      } else {
        next[target] = m0;
      }
    }
    const swap = metrics;
    metrics = next;
    next = swap;
  }
  const decoded = new Uint8Array(steps);
  let state = 0;
  for (let t = steps - 1; t >= 0; t -= 1) {
    decoded[t] = state & 1;
    state = decisions[t * states + state] ? (state >> 1) | half : state >> 1;
  }
  return decoded.subarray(0, infoBits);
}
