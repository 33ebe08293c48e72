import { REPLY_CODE_ALPHABET, REPLY_CODE_MAX_LENGTH, REPLY_CODE_MIN_LENGTH } from './limits.ts';

/**
 * What a reply-code path segment may hold: the Crockford alphabet in either case, plus the
 * letters Crockford reads as digits (I and L as 1, O as 0). U stays out, as Crockford says.
 */
export const REPLY_CODE_PATTERN = `^[0-9A-TV-Za-tv-z]{${REPLY_CODE_MIN_LENGTH},${REPLY_CODE_MAX_LENGTH}}$`;

const CONFUSABLE: Readonly<Record<string, string>> = { I: '1', L: '1', O: '0' };

/**
 * A reply code as a person typed or heard it, in its one canonical spelling: upper case, I and
 * L read as 1, O as 0, spaces and hyphens ignored. `undefined` when it cannot be a reply code.
 */
export function normaliseReplyCode(typed: string): string | undefined {
  // ASCII only: toUpperCase would turn some other letters into ASCII ones (ı → I, ſ → S).
  if (typeof typed !== 'string' || typed.length > 32 || !/^[\x20-\x7e]*$/.test(typed)) {
    return undefined;
  }
  let code = '';
  for (const char of typed.toUpperCase()) {
    if (char === ' ' || char === '-') continue;
    const read = CONFUSABLE[char] ?? char;
    if (!REPLY_CODE_ALPHABET.includes(read)) return undefined;
    code += read;
  }
  return code.length >= REPLY_CODE_MIN_LENGTH && code.length <= REPLY_CODE_MAX_LENGTH
    ? code
    : undefined;
}
