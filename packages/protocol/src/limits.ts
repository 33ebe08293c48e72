/**
 * The mailbox's fixed numbers, shared by the server and the client library. Servers may lower
 * the limits marked "default" in their configuration; nothing may exceed the protocol maxima.
 */

/** The largest sealed blob the protocol carries, decoded (a sealed signal is ~100 bytes). */
export const MAX_SEALED_BYTES = 4096;

/** Offer ids are 12 random bytes (96 bits) as base64url: 16 characters, short enough for links. */
export const OFFER_ID_LENGTH = 16;

/** Owner tokens are 16 random bytes (128 bits) as base64url. */
export const OWNER_TOKEN_LENGTH = 22;

/**
 * A resume box's id: 16 bytes derived from the link secret (HKDF), as base64url. Both sides
 * work it out from the secret; the server sees only the id, which tells nothing of the secret.
 */
export const RESUME_BOX_ID_LENGTH = 22;

/** Sealed resume signals one side of a box holds until the other side takes them. */
export const MAX_RESUME_BLOBS = 8;

/** Crockford base32: digits and letters without I, L, O and U. */
export const REPLY_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const REPLY_CODE_MIN_LENGTH = 5;
export const REPLY_CODE_MAX_LENGTH = 6;

/** Long-poll for the reply: how long the server holds the request, in seconds. */
export const DEFAULT_WAIT_SECONDS = 25;
export const MAX_WAIT_SECONDS = 60;

/** Characters of unpadded base64url that `bytes` bytes take. */
export function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}
