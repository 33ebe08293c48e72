import { fingerprintOf, shortAuthenticationString } from '@webrtc-connect/signal';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import { chromiumAnswerMdns, firefoxOffer } from './fixtures.ts';

describe('short authentication string', () => {
  const a = fingerprintOf(firefoxOffer);
  const b = fingerprintOf(chromiumAnswerMdns);

  it('is six digits, the same on both sides', async () => {
    const fromA = await shortAuthenticationString(a, b);
    expect(fromA).toMatch(/^\d{3} \d{3}$/);
    expect(await shortAuthenticationString(b, a)).toBe(fromA);
  });

  it('ignores the spelling of a fingerprint but not its value', async () => {
    const reference = await shortAuthenticationString(a, b);
    expect(await shortAuthenticationString(a.toLowerCase().replace('sha', 'SHA'), b)).toBe(
      reference,
    );
    const other = b.replace(/[0-9A-F]{2}$/, (pair) => (pair === '00' ? '01' : '00'));
    expect(await shortAuthenticationString(a, other)).not.toBe(reference);
  });

  it('finds the fingerprint at session or media level', () => {
    expect(a).toMatch(/^sha-256 1F:8C/);
    expect(b).toMatch(/^sha-256 5A:0B/);
    expect(
      codeOf(() =>
        fingerprintOf({ type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n' }),
      ),
    ).toBe('ERR_INVALID_DESCRIPTION');
  });

  it('refuses what is no fingerprint', async () => {
    expect(await codeOf(() => shortAuthenticationString('sha-256 AB', b))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(await codeOf(() => shortAuthenticationString('md5 AB:CD', b))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});
