import { SignalError } from './errors.ts';

/**
 * RFC 8839 ice-char is ALPHA / DIGIT / "+" / "/": exactly 64 characters, so ice-ufrag and
 * ice-pwd pack at 6 bits a character. The order is base64's.
 */
const ICE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ICE_VALUE = new Map<string, number>([...ICE_ALPHABET].map((char, index) => [char, index]));

export function isIceChars(text: string): boolean {
  for (const char of text) if (!ICE_VALUE.has(char)) return false;
  return true;
}

export function packedIceLength(charCount: number): number {
  return Math.ceil((charCount * 6) / 8);
}

/** Packs ice-chars at 6 bits each, most significant bit first, zero-padded to a byte. */
export function packIceChars(text: string): Uint8Array {
  const out = new Uint8Array(packedIceLength(text.length));
  let accumulator = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = ICE_VALUE.get(char);
    if (value === undefined)
      throw new SignalError('ERR_INVALID_ARGUMENT', `"${char}" is not an ice-char`);
    accumulator = ((accumulator << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (accumulator >>> bits) & 0xff;
    }
  }
  if (bits > 0) out[index] = (accumulator << (8 - bits)) & 0xff;
  return out;
}

export function unpackIceChars(packed: Uint8Array, charCount: number): string {
  let text = '';
  let accumulator = 0;
  let bits = 0;
  let offset = 0;
  while (text.length < charCount) {
    if (bits < 6) {
      accumulator = ((accumulator << 8) | (packed[offset++] ?? 0)) & 0xffff;
      bits += 8;
    }
    bits -= 6;
    text += ICE_ALPHABET[(accumulator >>> bits) & 0x3f];
  }
  if ((accumulator & ((1 << bits) - 1)) !== 0) {
    throw new SignalError('ERR_MALFORMED_FIELD', 'ICE credentials have non-zero padding bits');
  }
  return text;
}
