/**
 * Where each coded bit goes: a frame's data symbols hold `symbols × CARRIERS` slots, one BPSK
 * value each. The header's coded bits fill a fixed part of the first symbol, so the receiver can
 * read the length before it knows anything else; the payload's coded bits are spread over all
 * other slots in a pseudo-random order, repeated cyclically until the slots are full. Spreading
 * turns a room's notches and a burst of noise into scattered weak bits, which the Viterbi
 * decoder corrects; repeating turns spare airtime into signal energy. Every slot's value is also
 * multiplied by a pseudo-random sign, so no payload (all zeros, say) makes a tonal symbol.
 */

import { createPrng, seededPermutation } from '../dsp/prng.ts';
import { codedLength } from '../fec/convolutional.ts';
import { turboCodedLength } from '../fec/turbo.ts';
import { FFT_SIZE, type Profile, SYMBOL_LENGTH } from '../profiles.ts';
import { HEADER_BITS, payloadBlockLength } from './bits.ts';

export interface FrameLayout {
  readonly payloadLength: number;
  readonly symbols: number;
  readonly headerCoded: number;
  readonly payloadCoded: number;
  /** Per slot (symbol · CARRIERS + carrier): the coded bit it carries; header bits first, then payload bits. */
  readonly slotBit: Int32Array;
  /** Per slot: the scrambling sign, +1 or -1. */
  readonly slotSign: Float64Array;
}

const cache = new Map<string, FrameLayout>();

/** Data symbols the header is spread over: the receiver reads these before anything else. */
export function headerSymbols(profile: Profile): number {
  return Math.ceil(profile.headerSlots / profile.carriers);
}

export function headerCodedLength(profile: Profile): number {
  return codedLength(profile.code, HEADER_BITS);
}

export function frameSymbols(profile: Profile, payloadLength: number): number {
  const payloadCoded = turboCodedLength(payloadBlockLength(payloadLength));
  const slots = profile.headerSlots + Math.ceil(payloadCoded * profile.repetition);
  return Math.ceil(slots / profile.carriers);
}

export function frameLayout(profile: Profile, payloadLength: number): FrameLayout {
  const key = `${profile.name}/${payloadLength}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const headerCoded = headerCodedLength(profile);
  const payloadCoded = turboCodedLength(payloadBlockLength(payloadLength));
  const symbols = frameSymbols(profile, payloadLength);
  const slots = symbols * profile.carriers;
  const slotBit = new Int32Array(slots);
  const headerOrder = seededPermutation(headerSymbols(profile) * profile.carriers, profile.seed);
  const isHeader = new Uint8Array(slots);
  for (let j = 0; j < profile.headerSlots; j += 1) {
    const slot = headerOrder[j]!;
    slotBit[slot] = j % headerCoded;
    isHeader[slot] = 1;
  }
  const payloadSlots: number[] = [];
  for (let slot = 0; slot < slots; slot += 1) if (!isHeader[slot]) payloadSlots.push(slot);
  const order = seededPermutation(
    payloadSlots.length,
    profile.seed ^ Math.imul(payloadLength + 1, 0x9e3779b1),
  );
  order.forEach((position, i) => {
    slotBit[payloadSlots[position]!] = headerCoded + (i % payloadCoded);
  });
  const next = createPrng(profile.seed ^ 0x51c0_de5);
  const slotSign = new Float64Array(slots);
  for (let slot = 0; slot < slots; slot += 1) slotSign[slot] = next() < 0.5 ? -1 : 1;
  const layout = { payloadLength, symbols, headerCoded, payloadCoded, slotBit, slotSign };
  if (cache.size > 64) cache.clear();
  cache.set(key, layout);
  return layout;
}

/** Frames end in silence up to a multiple of 20 ms, so every common rate loops them seamlessly. */
const LENGTH_MULTIPLE = 160;
const MIN_TAIL = 16;

/** A frame's length in baseband samples, its closing silence included: the loop's period. */
export function frameLength(profile: Profile, symbols: number): number {
  const used = (profile.preambleBlocks + 1) * FFT_SIZE + symbols * SYMBOL_LENGTH;
  return Math.ceil((used + MIN_TAIL) / LENGTH_MULTIPLE) * LENGTH_MULTIPLE;
}
