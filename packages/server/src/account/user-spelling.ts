import { createHash } from 'node:crypto';

/**
 * How a token's user (its `sub`, or the claim configured) is spelled in room keys and device
 * ids (`<user>-client-<n>`, `<user>-broadcaster`). Providers issue anything: Auth0's
 * `auth0|64f1c2`, e-mail addresses, ids of 100 characters and more. The spelling is one of:
 *
 * - raw: the value itself, when it is 1 to 64 characters of `A-Z a-z 0-9 _ . -`;
 * - escaped: every UTF-8 byte outside that set as `%XX` (upper-case hex), when that makes at
 *   most 64 characters (`auth0%7C64f1c2`, `alice%40example.com`);
 * - hashed: `~` and the first 32 base64url characters (192 bits) of the SHA-256 of the
 *   value's UTF-8, for anything longer.
 *
 * A raw spelling has neither `%` nor `~`; an escaped one always has a `%` (else the value was
 * raw) and never a `~` (it is escaped itself); a hashed one starts with `~` and has no `%`. So
 * the three never meet, the first two are one-to-one, and the same value always gets the same
 * spelling: two users never share a room and a user always finds their own.
 */
export function spellUser(value: string): string {
  if (RAW.test(value)) return value;
  let escaped = '';
  for (const byte of new TextEncoder().encode(value)) {
    escaped += SAFE_BYTE[byte] ? String.fromCharCode(byte) : `%${hex(byte)}`;
    if (escaped.length > MAX_SPELLED) break;
  }
  if (escaped.length <= MAX_SPELLED) return escaped;
  return `~${createHash('sha256').update(value, 'utf8').digest('base64url').slice(0, 32)}`;
}

/** Longest claim value taken as a user, in characters: far above any provider's ids. */
export const MAX_USER_CLAIM_LENGTH = 1_024;

const MAX_SPELLED = 64;
const RAW = /^[A-Za-z0-9_.-]{1,64}$/;
const SAFE_BYTE: readonly boolean[] = Array.from({ length: 256 }, (_, byte) =>
  /^[A-Za-z0-9_.-]$/.test(String.fromCharCode(byte)),
);

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
