import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { REPLY_CODE_ALPHABET } from '@webrtc-connect/protocol';

/** 96 random bits: unguessable, and 16 characters in a link. */
export function newOfferId(): string {
  return randomBytes(12).toString('base64url');
}

/** 128 random bits, shown only to the offer's creator. */
export function newOwnerToken(): string {
  return randomBytes(16).toString('base64url');
}

export function hashOwnerToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Constant-time, so response timing does not reveal how much of a guessed token was right. */
export function ownerTokenMatches(token: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashOwnerToken(token));
  const expected = Buffer.from(expectedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** `length` Crockford base32 characters; 32 divides 256, so `byte & 31` is uniform. */
export function newReplyCode(length: number): string {
  let code = '';
  for (const byte of randomBytes(length)) code += REPLY_CODE_ALPHABET[byte & 31];
  return code;
}
