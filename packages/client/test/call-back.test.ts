import { encodeSignal } from '@webrtc-connect/signal';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import { encodeCallBack, isReady, readCallBack, readyBytes } from '../src/link/call-back.ts';

const answer = encodeSignal({
  type: 'answer',
  sdp: [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    `a=fingerprint:sha-256 ${Array(32).fill('AB').join(':')}`,
    'a=setup:active',
    'a=mid:0',
    'a=sctp-port:5000',
    '',
  ].join('\r\n'),
});

describe('the call-back of a typed reply code', () => {
  it('carries the slot and its owner token, and is never taken for an answer, nor an answer for it', async () => {
    const bytes = encodeCallBack({ id: 'slot-1', ownerToken: 'owner', expiresAt: '' });
    expect(readCallBack(bytes)).toMatchObject({ id: 'slot-1', ownerToken: 'owner' });
    // A signal's first byte has format version 1 in its top bits; a call-back's has 6.
    expect(readCallBack(answer)).toBeNull();
    expect((bytes[0] ?? 0) >> 5).toBe(6);
    expect(await codeOf(Promise.resolve().then(() => readCallBack(bytes.subarray(0, 5))))).toBe(
      'ERR_BAD_ANSWER',
    );
  });

  it('knows its ready from anything else', () => {
    expect(isReady(readyBytes())).toBe(true);
    expect(isReady(answer)).toBe(false);
    expect(isReady(new Uint8Array(0))).toBe(false);
  });
});
