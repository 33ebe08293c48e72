import { SignalError } from './errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Map<string, number>([...ALPHABET].map((char, index) => [char, index]));
/** Longer than any signal: refuse before decoding rather than after. */
const MAX_TEXT_LENGTH = 96 * 1024;

/** Bytes as base64url without padding (RFC 4648 §5), the form used in links and fragments. */
export function toLinkText(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c += 1) text += ALPHABET[(chunk >> (18 - 6 * c)) & 0x3f];
  }
  return text;
}

/**
 * The inverse of `toLinkText`. Surrounding whitespace (a pasted line) is ignored; anything else
 * that is not canonical base64url is ERR_MALFORMED_TEXT, so one text means one byte string.
 */
export function fromLinkText(text: string): Uint8Array {
  if (typeof text !== 'string')
    throw new SignalError('ERR_INVALID_ARGUMENT', 'link text must be a string');
  if (text.length > MAX_TEXT_LENGTH)
    throw new SignalError('ERR_TOO_LARGE', 'link text is longer than any signal');
  const trimmed = text.trim();
  if (trimmed.length % 4 === 1)
    throw new SignalError('ERR_MALFORMED_TEXT', 'link text has an impossible length');
  const out = new Uint8Array(Math.floor((trimmed.length * 6) / 8));
  let accumulator = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < trimmed.length; i += 1) {
    const value = VALUE.get(trimmed.charAt(i));
    if (value === undefined) {
      throw new SignalError(
        'ERR_MALFORMED_TEXT',
        `link text has "${trimmed.charAt(i)}" at ${i}, outside base64url`,
      );
    }
    accumulator = ((accumulator << 6) | value) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (accumulator >> bits) & 0xff;
    }
  }
  if ((accumulator & ((1 << bits) - 1)) !== 0) {
    throw new SignalError('ERR_MALFORMED_TEXT', 'link text has non-zero padding bits');
  }
  return out;
}
