import { decodeSignal, encodeSignal, type SignalErrorCode } from '@webrtc-connect/signal';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import {
  chromiumAnswerMdns,
  chromiumAudioOffer,
  chromiumOfferRaw,
  firefoxAnswer,
  firefoxOffer,
  safariAnswer,
} from './fixtures.ts';
import { essentials } from './sdp-essentials.ts';

const compactShapes = {
  chromiumAnswerMdns,
  chromiumOfferRaw,
  firefoxOffer,
  firefoxAnswer,
  safariAnswer,
};

describe('compact data-channel sessions', () => {
  for (const [name, description] of Object.entries(compactShapes)) {
    it(`keeps everything a peer needs to connect: ${name}`, () => {
      const bytes = encodeSignal(description);
      expect((bytes[0] ?? 0) & 0x10, 'compact, not the fallback').toBe(0);
      const decoded = decodeSignal(bytes);
      expect(decoded.type).toBe(description.type);
      expect(essentials(decoded.sdp ?? '')).toEqual(essentials(description.sdp));
    });

    it(`is canonical: re-encoding the decoded ${name} gives the same bytes`, () => {
      const bytes = encodeSignal(description);
      expect(encodeSignal(decodeSignal(bytes))).toEqual(bytes);
    });
  }

  it('keeps max-message-size, including Firefox’s and an absent one', () => {
    const firefox = decodeSignal(encodeSignal(firefoxOffer)).sdp ?? '';
    expect(firefox).toContain('a=max-message-size:1073741823\r\n');
    const absent = {
      type: 'answer' as const,
      sdp: chromiumAnswerMdns.sdp.replace('a=max-message-size:262144\r\n', ''),
    };
    expect(decodeSignal(encodeSignal(absent)).sdp).not.toContain('max-message-size');
  });

  it('keeps a non-default sctp-port and ice-lite', () => {
    const lite = {
      type: 'offer' as const,
      sdp: chromiumOfferRaw.sdp
        ?.replace('a=sctp-port:5000', 'a=sctp-port:5001')
        .replace('a=group:BUNDLE 0\r\n', 'a=group:BUNDLE 0\r\na=ice-lite\r\n'),
    };
    const decoded = decodeSignal(encodeSignal(lite)).sdp ?? '';
    expect(decoded).toContain('a=sctp-port:5001\r\n');
    expect(decoded).toContain('a=ice-lite\r\n');
  });

  it('packs a Chromium answer with one mDNS candidate into at most 75 bytes, 58 without candidates', () => {
    expect(encodeSignal(chromiumAnswerMdns).length).toBeLessThanOrEqual(75);
    expect(encodeSignal(chromiumAnswerMdns, { dropCandidates: true }).length).toBeLessThanOrEqual(
      58,
    );
  });

  it('drops every candidate on request and keeps the credentials', () => {
    const decoded =
      decodeSignal(encodeSignal(chromiumOfferRaw, { dropCandidates: true })).sdp ?? '';
    expect(decoded).not.toContain('a=candidate');
    expect(essentials(decoded).ufrag).toBe('9kHw');
  });

  it('orders rebuilt priorities as the candidates were ordered', () => {
    const decoded = decodeSignal(encodeSignal(firefoxOffer)).sdp ?? '';
    const priorities = decoded
      .split('\r\n')
      .filter((line) => line.startsWith('a=candidate:'))
      .map((line) => Number(line.split(' ')[3]));
    expect(priorities).toHaveLength(2);
    expect(priorities[0]).toBeGreaterThan(priorities[1] ?? Number.POSITIVE_INFINITY);
  });
});

describe('the lossless fallback', () => {
  it('round-trips an audio session byte for byte', () => {
    const bytes = encodeSignal(chromiumAudioOffer);
    expect((bytes[0] ?? 0) & 0x10, 'fallback flag').toBe(0x10);
    expect(decodeSignal(bytes)).toEqual(chromiumAudioOffer);
    expect(bytes.length).toBeLessThan(chromiumAudioOffer.sdp.length);
  });

  it('carries pranswer and anything with attributes the compact form would lose', () => {
    const pranswer = { type: 'pranswer' as const, sdp: chromiumAnswerMdns.sdp };
    expect(decodeSignal(encodeSignal(pranswer))).toEqual(pranswer);
    const unusual = { type: 'offer' as const, sdp: `${chromiumOfferRaw.sdp}a=x-custom:42\r\n` };
    expect(decodeSignal(encodeSignal(unusual))).toEqual(unusual);
    const otherMid = {
      type: 'offer' as const,
      sdp:
        chromiumOfferRaw.sdp.replaceAll(' 0\r\n', ' data\r\n').replace('a=mid:0', 'a=mid:data') ??
        '',
    };
    expect(decodeSignal(encodeSignal(otherMid))).toEqual(otherMid);
  });

  it('drops candidates on request', () => {
    const decoded =
      decodeSignal(encodeSignal(chromiumAudioOffer, { dropCandidates: true })).sdp ?? '';
    expect(decoded).not.toContain('a=candidate');
    expect(decoded).toContain('a=rtpmap:111 opus/48000/2');
  });

  it('refuses a stream whose checksum does not match', () => {
    const bytes = encodeSignal(chromiumAudioOffer);
    const damaged = bytes.slice();
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 1;
    expect(codeOf(() => decodeSignal(damaged))).toBe('ERR_MALFORMED_FIELD');
  });
});

describe('bad input', () => {
  const cases: Array<[string, Uint8Array, SignalErrorCode]> = [
    ['empty', new Uint8Array(0), 'ERR_TRUNCATED'],
    ['version 0', Uint8Array.of(0x00, 1, 2, 3), 'ERR_UNKNOWN_VERSION'],
    ['version 2', Uint8Array.of(0x40, 1, 2, 3), 'ERR_UNKNOWN_VERSION'],
    ['a header alone', Uint8Array.of(0x20), 'ERR_TRUNCATED'],
    ['an answer with setup actpass', Uint8Array.of(0x28), 'ERR_MALFORMED_FIELD'],
    ['setup role 3', Uint8Array.of(0x26), 'ERR_MALFORMED_FIELD'],
    ['an empty extension byte', Uint8Array.of(0x21, 0x00), 'ERR_MALFORMED_FIELD'],
    ['an unknown hash', Uint8Array.of(0x21, 0x07), 'ERR_MALFORMED_FIELD'],
    [
      'a fallback with reserved type',
      Uint8Array.of(0x33, 0x78, 0xda, 1, 2, 3, 4, 5),
      'ERR_MALFORMED_FIELD',
    ],
    [
      'a fallback that is not zlib',
      Uint8Array.of(0x30, 1, 2, 3, 4, 5, 6, 7),
      'ERR_MALFORMED_FIELD',
    ],
  ];
  for (const [name, bytes, code] of cases) {
    it(`decoding ${name} fails with ${code}`, () => {
      expect(codeOf(() => decodeSignal(bytes))).toBe(code);
    });
  }

  it('refuses a candidate on port 0 and a port 9 spelled out', () => {
    const base = encodeSignal(chromiumAnswerMdns, { dropCandidates: true });
    const withCandidate = (...candidate: number[]) => Uint8Array.of(...base, ...candidate);
    expect(decodeSignal(withCandidate(0x00, 10, 0, 0, 1, 0x13, 0x88)).sdp).toContain(
      '10.0.0.1 5000 typ host',
    );
    expect(codeOf(() => decodeSignal(withCandidate(0x00, 10, 0, 0, 1, 0, 0)))).toBe(
      'ERR_MALFORMED_FIELD',
    );
    expect(codeOf(() => decodeSignal(withCandidate(0x00, 10, 0, 0, 1, 0, 9)))).toBe(
      'ERR_MALFORMED_FIELD',
    );
    expect(codeOf(() => decodeSignal(withCandidate(0x00, 10, 0, 0)))).toBe('ERR_TRUNCATED');
  });

  it('refuses descriptions that are no offer or answer with an SDP', () => {
    expect(codeOf(() => encodeSignal({ type: 'rollback' }))).toBe('ERR_INVALID_DESCRIPTION');
    expect(codeOf(() => encodeSignal({ type: 'offer' }))).toBe('ERR_INVALID_DESCRIPTION');
    expect(codeOf(() => encodeSignal({ type: 'offer', sdp: 'hello' }))).toBe(
      'ERR_INVALID_DESCRIPTION',
    );
    const badFingerprint = chromiumOfferRaw.sdp.replace('sha-256 5A:', 'sha-256 5Z:') ?? '';
    expect(codeOf(() => encodeSignal({ type: 'offer', sdp: badFingerprint }))).toBe(
      'ERR_INVALID_DESCRIPTION',
    );
    expect(codeOf(() => encodeSignal(null as unknown as RTCSessionDescriptionInit))).toBe(
      'ERR_INVALID_DESCRIPTION',
    );
  });

  it('refuses what is not bytes', () => {
    expect(codeOf(() => decodeSignal('abc' as unknown as Uint8Array))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('refuses a decompression bomb', () => {
    const sdp = `${chromiumAudioOffer.sdp}${'a=x:0\r\n'.repeat(20000)}`;
    expect(codeOf(() => encodeSignal({ type: 'offer', sdp }))).toBe('ERR_TOO_LARGE');
  });
});
