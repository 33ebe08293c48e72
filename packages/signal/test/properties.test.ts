import { decodeSignal, encodeSignal, isSignalError } from '@webrtc-connect/signal';
import fc from 'fast-check';
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import { chromiumAnswerMdns, chromiumAudioOffer, firefoxOffer } from './fixtures.ts';
import { essentials } from './sdp-essentials.ts';

const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('');
const HEX = '0123456789abcdef'.split('');
const HASHES = { 'sha-1': 20, 'sha-224': 28, 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 } as const;

const iceString = (min: number, max: number, alphabet: string[]) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });

const fingerprint = fc
  .constantFrom(...(Object.keys(HASHES) as Array<keyof typeof HASHES>))
  .chain((algorithm) =>
    fc
      .uint8Array({ minLength: HASHES[algorithm], maxLength: HASHES[algorithm] })
      .map(
        (bytes) =>
          `${algorithm} ${Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':')}`,
      ),
  );

const address = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.uuid({ version: 4 }).map((uuid) => `${uuid}.local`),
  fc.domain(),
);

const candidate = fc
  .record({
    type: fc.constantFrom('host', 'srflx', 'prflx', 'relay'),
    transport: fc.constantFrom('udp', 'tcp active', 'tcp passive', 'tcp so'),
    address,
    port: fc.integer({ min: 1, max: 65535 }),
    priority: fc.integer({ min: 0, max: 0xffffffff }),
    extras: fc.constantFrom('', ' generation 0', ' generation 0 network-id 1 network-cost 10'),
  })
  .map(({ type, transport, address: where, port, priority, extras }) => {
    const [protocol, tcpType] = transport.split(' ');
    const related = type === 'host' ? '' : ' raddr 0.0.0.0 rport 0';
    const tcp = tcpType ? ` tcptype ${tcpType}` : '';
    return `a=candidate:1 1 ${protocol} ${priority} ${where} ${port} typ ${type}${related}${tcp}${extras}`;
  });

const dataChannelDescription = fc
  .record({
    type: fc.constantFrom('offer', 'answer'),
    hex: fc.boolean(),
    // 256 is allowed by RFC 8839 but takes the fallback: the compact form counts lengths in a byte.
    ufragLength: fc.integer({ min: 4, max: 256 }),
    pwdLength: fc.integer({ min: 22, max: 256 }),
    seed: fc.integer(),
    fingerprint,
    answerSetup: fc.constantFrom('active', 'passive'),
    iceLite: fc.boolean(),
    sctpPort: fc.option(fc.integer({ min: 1, max: 65535 })),
    maxMessageSize: fc.option(fc.integer({ min: 0, max: 0xffffffff })),
    candidates: fc.array(candidate, { maxLength: 8 }),
  })
  .chain((shape) =>
    fc
      .tuple(
        iceString(shape.ufragLength, shape.ufragLength, shape.hex ? HEX : ICE_CHARS),
        iceString(shape.pwdLength, shape.pwdLength, shape.hex ? HEX : ICE_CHARS),
      )
      .map(([ufrag, pwd]): RTCSessionDescriptionInit => {
        const lines = [
          'v=0',
          'o=- 1 2 IN IP4 127.0.0.1',
          's=-',
          't=0 0',
          'a=group:BUNDLE 0',
          ...(shape.iceLite ? ['a=ice-lite'] : []),
          'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
          'c=IN IP4 0.0.0.0',
          ...shape.candidates,
          `a=ice-ufrag:${ufrag}`,
          `a=ice-pwd:${pwd}`,
          `a=fingerprint:${shape.fingerprint}`,
          `a=setup:${shape.type === 'offer' ? 'actpass' : shape.answerSetup}`,
          'a=mid:0',
          ...(shape.sctpPort === null ? [] : [`a=sctp-port:${shape.sctpPort}`]),
          ...(shape.maxMessageSize === null ? [] : [`a=max-message-size:${shape.maxMessageSize}`]),
        ];
        return { type: shape.type, sdp: `${lines.join('\r\n')}\r\n` };
      }),
  );

/** Decoding gives a description that re-encodes to the same bytes, or a SignalError: nothing else. */
function decodesCleanlyOrFails(bytes: Uint8Array): void {
  let decoded: RTCSessionDescriptionInit;
  try {
    decoded = decodeSignal(bytes);
  } catch (error) {
    if (!isSignalError(error)) throw error;
    return;
  }
  // Re-encoding runs the SDP checks a browser makes. Compact signals are canonical, so they
  // re-encode to the same bytes; a zlib stream has many spellings, so only its text must survive.
  const again = encodeSignal(decoded);
  if (((bytes[0] ?? 0) & 0x10) === 0) expect(again).toEqual(bytes);
  else expect(decodeSignal(again)).toEqual(decoded);
}

// Thousands of generated descriptions each: CPU-bound, and seen to pass 5 s on a loaded machine.
describe('round trips', { timeout: 30_000 }, () => {
  it('keep ICE credentials, fingerprint, setup and candidates of any data-channel session', () => {
    fc.assert(
      fc.property(dataChannelDescription, (description) => {
        const bytes = encodeSignal(description);
        const decoded = decodeSignal(bytes);
        expect(decoded.type).toBe(description.type);
        expect(essentials(decoded.sdp ?? '')).toEqual(essentials(description.sdp ?? ''));
        expect(encodeSignal(decoded)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('take the compact form whenever addresses are spelled canonically', () => {
    fc.assert(
      fc.property(dataChannelDescription, (description) => {
        const sdp = description.sdp ?? '';
        fc.pre(
          !/ [0-9a-fA-F]*:[0-9a-fA-F:.]* \d+ typ/.test(sdp) && !/:[A-Za-z0-9+/]{256}\r/.test(sdp),
        );
        expect((encodeSignal(description)[0] ?? 0) & 0x10).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('arbitrary bytes', { timeout: 30_000 }, () => {
  it('decode to a description or a SignalError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), decodesCleanlyOrFails), {
      numRuns: 3000,
    });
  });

  it('behind a valid compact header decode to a description or a SignalError', () => {
    const header = fc.constantFrom(0x20, 0x21, 0x22, 0x24, 0x29, 0x2a, 0x2b, 0x2c);
    fc.assert(
      fc.property(header, fc.uint8Array({ minLength: 20, maxLength: 200 }), (first, rest) =>
        decodesCleanlyOrFails(Uint8Array.of(first, ...rest)),
      ),
      { numRuns: 3000 },
    );
  });

  it('from mutated signals decode to a description or a SignalError', () => {
    const valid = [chromiumAnswerMdns, firefoxOffer, chromiumAudioOffer].map((d) =>
      encodeSignal(d),
    );
    const mutation = fc.record({
      source: fc.constantFrom(...valid),
      edits: fc.array(
        fc.record({
          kind: fc.constantFrom('flip', 'delete', 'insert', 'truncate'),
          at: fc.nat(),
          value: fc.integer({ min: 0, max: 255 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ source, edits }) => {
        const bytes = Array.from(source);
        for (const { kind, at, value } of edits) {
          const index = at % (bytes.length + 1);
          if (kind === 'flip')
            bytes[index % bytes.length] = (bytes[index % bytes.length] ?? 0) ^ (1 << (value % 8));
          if (kind === 'delete') bytes.splice(index, 1);
          if (kind === 'insert') bytes.splice(index, 0, value);
          if (kind === 'truncate') bytes.length = index;
        }
        decodesCleanlyOrFails(Uint8Array.from(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('never inflate a fallback past 64 KiB', () => {
    const bomb = zlibSync(new Uint8Array(10_000_000).fill(0x61), { level: 9 });
    expect(codeOf(() => decodeSignal(Uint8Array.of(0x30, ...bomb)))).toBe('ERR_TOO_LARGE');
  });

  it('refuse a fallback that inflates to text that is no SDP', () => {
    const text = new TextEncoder().encode('v=0\r\nhello\r\n');
    expect(codeOf(() => decodeSignal(Uint8Array.of(0x30, ...zlibSync(text))))).toBe(
      'ERR_MALFORMED_FIELD',
    );
    const notUtf8 = Uint8Array.of(0xff, 0xfe, 0xfd);
    expect(codeOf(() => decodeSignal(Uint8Array.of(0x30, ...zlibSync(notUtf8))))).toBe(
      'ERR_MALFORMED_FIELD',
    );
  });
});
