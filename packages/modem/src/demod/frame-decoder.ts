/**
 * Carriers to bytes. Each slot's log-likelihood ratio weighs it by its carrier's own
 * signal-to-noise ratio; the slots that carry the same coded bit add up; the decoder decodes;
 * the checksum decides. When the checksum fails, the decoder's opinion of every coded bit
 * becomes a soft guess of every data slot, from which the channel, the noise and the residual
 * clock drift are estimated again over the whole frame, and decoding runs again (an iterative,
 * decision-directed receiver).
 */
import { convolutionalEncode, viterbiDecode } from '../fec/convolutional.ts';
import { turboDecode } from '../fec/turbo.ts';
import {
  HEADER_BITS,
  headerBits,
  parseHeader,
  parsePayloadBlock,
  payloadBlockLength,
} from '../frame/bits.ts';
import { type FrameLayout, frameLayout } from '../frame/layout.ts';
import type { Profile } from '../profiles.ts';
import { type ChannelEstimate, type Observation, rotate } from './channel.ts';
import { estimateFromDecisions } from './decision-estimate.ts';
import { estimateFromSquares } from './square-estimate.ts';
import type { Spectrum } from './sync.ts';

/** Turbo iterations in each round of channel estimation and decoding. */
const TURBO_ITERATIONS = 10;

/**
 * Demap: one slot's log-likelihood ratio, its carrier's correlation with the channel weighed
 * by that carrier's own noise (and by the trust in the estimate), the scrambling sign undone.
 */
function demap(
  y: Spectrum,
  estimate: ChannelEstimate,
  k: number,
  sign: number,
  trust: number,
): number {
  const correlation = y.re[k]! * estimate.re[k]! + y.im[k]! * estimate.im[k]!;
  return (4 * correlation * sign * trust) / estimate.noise[k]!;
}

/**
 * Deinterleave: adds each slot's demapped ratio to the coded bit the interleaver put in that
 * slot (payload or header bits); the slots, and copies, that carry one bit add up.
 */
function deinterleave(
  profile: Profile,
  layout: FrameLayout,
  observations: Observation[],
  estimate: ChannelEstimate,
  target: Float64Array,
  header: boolean,
): void {
  const trust = 1 / (1 + 1 / estimate.observations);
  const offset = header ? 0 : layout.headerCoded;
  for (const { symbol, time, y: raw } of observations) {
    const y = rotate(profile, raw, time, estimate.drift);
    for (let k = 0; k < profile.carriers; k += 1) {
      const slot = symbol * profile.carriers + k;
      const bit = layout.slotBit[slot]!;
      if (bit < layout.headerCoded !== header) continue;
      const llr = demap(y, estimate, k, layout.slotSign[slot]!, trust);
      target[bit - offset] = target[bit - offset]! + llr;
    }
  }
}

/** The payload length the first data symbols announce, or null. */
export function decodeHeader(
  profile: Profile,
  first: Observation[],
  estimate: ChannelEstimate,
): number | null {
  const layout = frameLayout(profile, 0);
  const llrs = new Float64Array(layout.headerCoded);
  // The squares of the header's own slots refine the channel and, above all, the residual
  // clock drift, which the preamble alone leaves uncertain by tens of ppm.
  deinterleave(profile, layout, first, estimateFromSquares(profile, estimate, first), llrs, true);
  // Decode (Viterbi), then check (the header's CRC-8).
  return parseHeader(profile, viterbiDecode(profile.code, llrs, HEADER_BITS));
}

export interface PayloadResult {
  payload: Uint8Array | null;
  /** Decoding passes used. */
  passes: number;
}

/** Soft slot values: tanh(L/2) of each slot's coded bit, scrambling sign included. */
function softValues(
  profile: Profile,
  layout: FrameLayout,
  header: Uint8Array,
  coded: Float64Array,
): Float64Array[] {
  const confidence = coded.map((llr) => Math.tanh(Math.max(-30, Math.min(30, llr)) / 2));
  return Array.from({ length: layout.symbols }, (_, m) => {
    const values = new Float64Array(profile.carriers);
    for (let k = 0; k < profile.carriers; k += 1) {
      const slot = m * profile.carriers + k;
      const index = layout.slotBit[slot]!;
      const value =
        index < layout.headerCoded
          ? 1 - 2 * header[index]!
          : confidence[index - layout.headerCoded]!;
      values[k] = layout.slotSign[slot]! * value;
    }
    return values;
  });
}

/**
 * Decodes a frame's payload from observations of its data symbols: one frame's, or several
 * copies' of a looped frame, whose ratios add up (maximum-ratio combining over time).
 */
export function decodePayload(
  profile: Profile,
  length: number,
  preambleBlocks: Spectrum[],
  observations: Observation[],
  initial: ChannelEstimate,
  passes: number,
): PayloadResult {
  const layout = frameLayout(profile, length);
  const infoBits = payloadBlockLength(length);
  const header = convolutionalEncode(profile.code, headerBits(profile, length));
  let payload: Uint8Array | null = null;
  const accept = (bits: Uint8Array) => {
    payload = parsePayloadBlock(profile, bits);
    return payload !== null;
  };
  let estimate = estimateFromSquares(profile, initial, observations);
  for (let pass = 1; pass <= passes; pass += 1) {
    const llrs = new Float64Array(layout.payloadCoded);
    deinterleave(profile, layout, observations, estimate, llrs, false);
    // Decode (turbo); `accept` checks each candidate (the payload's CRC-32C).
    const result = turboDecode(llrs, infoBits, TURBO_ITERATIONS, accept);
    if (result.accepted) return { payload, passes: pass };
    if (pass === passes) break;
    const values = softValues(profile, layout, header, result.coded);
    estimate = estimateFromDecisions(profile, preambleBlocks, observations, values, estimate);
  }
  return { payload: null, passes };
}
