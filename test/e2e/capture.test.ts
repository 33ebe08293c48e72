// Pins down what real implementations put in their descriptions, so the codec's assumptions
// (and the benchmark corpus) are checked against the browsers of today, not remembered ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidatesOf, type SdpCandidate } from '../harness/candidates.ts';
import { type CapturedSignal, captureCorpus, MAPPED_ADDRESS } from '../harness/capture.ts';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';

const MDNS_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/;
const NAMESPACE_ADDRESSES = ['10.77.0.1', '10.77.0.2'];

let browser: ChromiumHandle | undefined;
let corpus: CapturedSignal[] = [];

beforeAll(async () => {
  assertPrivateNetns();
  browser = await launchChromium({ fakeMedia: 'devices' });
  corpus = await captureCorpus({ browser });
});

afterAll(async () => {
  await browser?.close();
});

function captured(source: string): { sdp: string; candidates: SdpCandidate[] } {
  const signal = corpus.find((entry) => entry.source === source);
  if (!signal?.description.sdp) throw new Error(`no capture named ${source}`);
  return { sdp: signal.description.sdp, candidates: candidatesOf(signal.description.sdp) };
}

const addressesOf = (candidates: SdpCandidate[]) => [...new Set(candidates.map((c) => c.address))];

describe('captured corpus', () => {
  it('holds an offer and an answer from every implementation, each a data-channel session', () => {
    expect(corpus.map((signal) => signal.source)).toEqual([
      'chromium-offer-mdns',
      'chromium-answer-mdns',
      'chromium-offer-tcp',
      'chromium-answer-raw',
      'chromium-offer-srflx',
      'chromium-answer-srflx',
      'ndc-offer',
      'ndc-answer',
      'wrtc-offer',
      'wrtc-answer',
    ]);
    for (const { source, description } of corpus) {
      expect(description.type, source).toBe(source.includes('-offer') ? 'offer' : 'answer');
      expect(description.sdp, source).toMatch(
        /^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel$/m,
      );
      expect(description.sdp, source).toMatch(
        /^a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/m,
      );
      expect(description.sdp, source).toMatch(/^a=setup:(actpass|active)$/m);
      // Non-trickle: gathering finished before the capture, so candidates are inline.
      expect(candidatesOf(description.sdp).length, source).toBeGreaterThan(0);
    }
  });
});

describe('Chromium without media permission', () => {
  it('names its one host candidate by an mDNS <uuid>.local name, never an address, and gathers no TCP', () => {
    for (const source of ['chromium-offer-mdns', 'chromium-answer-mdns']) {
      const { candidates } = captured(source);
      expect(candidates, source).toHaveLength(1);
      expect(candidates[0], source).toMatchObject({ protocol: 'udp', type: 'host' });
      expect(candidates[0]?.address, source).toMatch(MDNS_NAME);
    }
  });

  it('adds the STUN-mapped address as srflx while hiding its base as raddr 0.0.0.0 rport 0', () => {
    for (const source of ['chromium-offer-srflx', 'chromium-answer-srflx']) {
      const { sdp, candidates } = captured(source);
      expect(
        candidates.filter((c) => c.type === 'srflx'),
        `${source}\n${sdp}`,
      ).toEqual([
        expect.objectContaining({
          protocol: 'udp',
          address: MAPPED_ADDRESS.address,
          port: MAPPED_ADDRESS.port,
          relatedAddress: '0.0.0.0',
          relatedPort: 0,
        }),
      ]);
      const hosts = candidates.filter((c) => c.type === 'host');
      expect(
        hosts.map((c) => c.address),
        source,
      ).toEqual([expect.stringMatching(MDNS_NAME)]);
    }
  });
});

describe('Chromium with microphone permission', () => {
  it('lists raw host addresses of every interface of the namespace, and no mDNS name', () => {
    for (const source of ['chromium-offer-tcp', 'chromium-answer-raw']) {
      const udp = captured(source).candidates.filter((c) => c.protocol === 'udp');
      expect(
        udp.every((c) => c.type === 'host'),
        source,
      ).toBe(true);
      expect(addressesOf(udp).sort(), source).toEqual(NAMESPACE_ADDRESSES);
    }
  });

  it('adds tcptype active TCP candidates with port 9 (RFC 6544: active ones never listen)', () => {
    for (const source of ['chromium-offer-tcp', 'chromium-answer-raw']) {
      const tcp = captured(source).candidates.filter((c) => c.protocol === 'tcp');
      expect(addressesOf(tcp).sort(), source).toEqual(NAMESPACE_ADDRESSES);
      for (const candidate of tcp) {
        expect(candidate, source).toMatchObject({ type: 'host', tcpType: 'active', port: 9 });
      }
    }
  });
});

describe('Node implementations', () => {
  it('node-datachannel lists raw IPv4 host UDP candidates, ends them explicitly, and uses a 22-character ice-pwd', () => {
    for (const source of ['ndc-offer', 'ndc-answer']) {
      const { sdp, candidates } = captured(source);
      expect(
        candidates.every((c) => c.protocol === 'udp' && c.type === 'host'),
        source,
      ).toBe(true);
      expect(addressesOf(candidates).sort(), source).toEqual(NAMESPACE_ADDRESSES);
      expect(sdp, source).toMatch(/^a=end-of-candidates$/m);
      // Chromium's is 24 characters: a codec cannot assume one length.
      expect(sdp, source).toMatch(/^a=ice-pwd:[A-Za-z0-9+/]{22}$/m);
    }
  });

  it('wrtc also lists loopback hosts (127.0.0.1 and ::1), and TCP passive ones with real ports', () => {
    for (const source of ['wrtc-offer', 'wrtc-answer']) {
      const { candidates } = captured(source);
      expect(addressesOf(candidates).sort(), source).toEqual([
        '10.77.0.1',
        '10.77.0.2',
        '127.0.0.1',
        '::1',
      ]);
      const tcp = candidates.filter((c) => c.protocol === 'tcp');
      expect(tcp.length, source).toBeGreaterThan(0);
      for (const candidate of tcp) {
        expect(candidate.tcpType, source).toBe('passive');
        expect(candidate.port, source).not.toBe(9);
      }
    }
  });
});
