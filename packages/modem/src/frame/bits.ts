/**
 * What a frame says, as bits: a two-byte header (payload length, CRC-8) and the payload block
 * (payload, CRC-32C). Both checksums cover the profile id and the length, so a header or a
 * payload decoded under the wrong profile or with the wrong length is refused.
 */
import { crc8, crc32c } from '../fec/crc.ts';
import type { Profile } from '../profiles.ts';

export const HEADER_BITS = 16;

export function bytesToBits(bytes: Uint8Array): Uint8Array {
  const bits = new Uint8Array(bytes.length * 8);
  bytes.forEach((byte, i) => {
    for (let b = 0; b < 8; b += 1) bits[i * 8 + b] = (byte >> (7 - b)) & 1;
  });
  return bits;
}

export function bitsToBytes(bits: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(bits.length >> 3);
  for (let i = 0; i < bytes.length; i += 1) {
    let byte = 0;
    for (let b = 0; b < 8; b += 1) byte = (byte << 1) | (bits[i * 8 + b]! & 1);
    bytes[i] = byte;
  }
  return bytes;
}

export function headerBits(profile: Profile, length: number): Uint8Array {
  return bytesToBits(Uint8Array.of(length, crc8(Uint8Array.of(profile.id, length))));
}

/** The payload length a header announces, or null when its CRC-8 does not hold. */
export function parseHeader(profile: Profile, bits: Uint8Array): number | null {
  const bytes = bitsToBytes(bits);
  const length = bytes[0] ?? 0;
  return crc8(Uint8Array.of(profile.id, length)) === bytes[1] ? length : null;
}

function payloadCheck(profile: Profile, payload: Uint8Array): number {
  const covered = new Uint8Array(payload.length + 2);
  covered[0] = profile.id;
  covered[1] = payload.length;
  covered.set(payload, 2);
  return crc32c(covered);
}

export function payloadBlockBits(profile: Profile, payload: Uint8Array): Uint8Array {
  const block = new Uint8Array(payload.length + 4);
  block.set(payload);
  new DataView(block.buffer).setUint32(payload.length, payloadCheck(profile, payload));
  return bytesToBits(block);
}

/** Bits in the payload block of a frame whose payload is `length` bytes. */
export function payloadBlockLength(length: number): number {
  return (length + 4) * 8;
}

/** The payload, or null when the CRC-32C does not hold. */
export function parsePayloadBlock(profile: Profile, bits: Uint8Array): Uint8Array | null {
  const block = bitsToBytes(bits);
  const payload = block.slice(0, block.length - 4);
  const check = new DataView(block.buffer).getUint32(block.length - 4);
  return payloadCheck(profile, payload) === check ? payload : null;
}
