import { fromLinkText, isSignalError, toLinkText } from '@webrtc-connect/signal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';

describe('link text', () => {
  it('is unpadded base64url and inverts exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toLinkText(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromLinkText(text)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('ignores the whitespace around a pasted line', () => {
    expect(fromLinkText('  AQID\n')).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('gives bytes or ERR_MALFORMED_TEXT for any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          const bytes = fromLinkText(text);
          expect(toLinkText(bytes)).toBe(text.trim());
        } catch (error) {
          expect(isSignalError(error) && error.code).toBe('ERR_MALFORMED_TEXT');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses characters outside base64url, impossible lengths and stray padding bits', () => {
    expect(codeOf(() => fromLinkText('AQ+D'))).toBe('ERR_MALFORMED_TEXT');
    expect(codeOf(() => fromLinkText('AQI='))).toBe('ERR_MALFORMED_TEXT');
    expect(codeOf(() => fromLinkText('AQIDB'))).toBe('ERR_MALFORMED_TEXT');
    expect(codeOf(() => fromLinkText('AR'))).toBe('ERR_MALFORMED_TEXT');
    expect(codeOf(() => fromLinkText('A'.repeat(200_000)))).toBe('ERR_TOO_LARGE');
    expect(codeOf(() => fromLinkText(42 as unknown as string))).toBe('ERR_INVALID_ARGUMENT');
  });
});
