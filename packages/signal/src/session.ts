import { addressFamily, packAddress } from './address.ts';
import { isIceChars } from './ice-chars.ts';
import {
  type CandidateType,
  type Fingerprint,
  formatFingerprint,
  type ParsedSdp,
  parseCandidate,
  parseFingerprint,
  type SdpAttribute,
  type TcpType,
} from './sdp.ts';
import type { SdpType } from './session-description.ts';

/**
 * A data-channel session reduced to what cannot be derived: everything the compact format
 * carries. `toCompactSession` returns null for any SDP that holds more than this, and that SDP
 * takes the lossless fallback instead.
 */
export interface CompactSession {
  type: 'offer' | 'answer';
  setup: 'actpass' | 'active' | 'passive';
  ufrag: string;
  pwd: string;
  fingerprint: Fingerprint;
  iceLite: boolean;
  sctpPort: number;
  /** null when the SDP has no max-message-size (which means 64 KiB, RFC 8841). */
  maxMessageSize: number | null;
  candidates: CompactCandidate[];
}

export type CandidateTransport = 'udp' | `tcp-${TcpType}`;

export interface CompactCandidate {
  type: CandidateType;
  transport: CandidateTransport;
  address: string;
  port: number;
}

export const DEFAULT_SCTP_PORT = 5000;
/** What Chromium, Safari and libdatachannel announce; Firefox announces 1073741823. */
export const DEFAULT_MAX_MESSAGE_SIZE = 262144;
export const MAX_CANDIDATES = 255;

/** Attributes that may appear and are either carried or rebuilt exactly enough to connect. */
const SESSION_ATTRIBUTES = new Set([
  'group',
  'extmap-allow-mixed',
  'msid-semantic',
  'ice-options',
  'ice-lite',
  'ice-ufrag',
  'ice-pwd',
  'fingerprint',
  'setup',
  'sendrecv',
]);
const MEDIA_ATTRIBUTES = new Set([
  'candidate',
  'end-of-candidates',
  'ice-options',
  'ice-ufrag',
  'ice-pwd',
  'fingerprint',
  'setup',
  'mid',
  'sctp-port',
  'max-message-size',
  'sendrecv',
]);
/** Candidate extensions that carry nothing a peer needs to connect. */
const IGNORED_CANDIDATE_EXTENSIONS = new Set(['generation', 'network-id', 'network-cost']);

export function toCompactSession(
  parsed: ParsedSdp,
  type: SdpType,
  dropCandidates: boolean,
): CompactSession | null {
  if (type !== 'offer' && type !== 'answer') return null;
  const [section, ...others] = parsed.media;
  if (!section || others.length > 0) return null;
  if (section.media !== 'application' || section.port === 0) return null;
  if (section.proto !== 'UDP/DTLS/SCTP' || section.formats.join(' ') !== 'webrtc-datachannel')
    return null;
  if (!parsed.sessionLines.every((line) => /^[vostca]=/.test(line))) return null;
  if (!section.lines.every((line) => /^[ca]=/.test(line))) return null;
  if (!parsed.sessionAttributes.every(({ name }) => SESSION_ATTRIBUTES.has(name))) return null;
  if (!section.attributes.every(({ name }) => MEDIA_ATTRIBUTES.has(name))) return null;

  const all = [...parsed.sessionAttributes, ...section.attributes];
  const single = (name: string): string | null | undefined => {
    const values = [...new Set(all.filter((a) => a.name === name).map((a) => a.value))];
    return values.length === 1 ? values[0] : values.length === 0 ? undefined : null;
  };
  const mid = single('mid');
  if (mid !== '0') return null;
  const groups = all.filter((a) => a.name === 'group');
  // Every browser bundles; rebuilding a BUNDLE group the peer never offered would break its answer.
  if (groups.length !== 1 || groups[0]?.value !== 'BUNDLE 0') return null;
  if (!all.every(({ name, value }) => name !== 'sendrecv' || value === null)) return null;

  const ufrag = single('ice-ufrag');
  const pwd = single('ice-pwd');
  const fingerprintText = single('fingerprint');
  const setup = single('setup');
  if (!ufrag || !pwd || !fingerprintText || !setup) return null;
  if (ufrag.length > 255 || pwd.length > 255 || !isIceChars(ufrag + pwd)) return null;
  const fingerprint = parseFingerprint(fingerprintText);
  // Only the canonical spelling (upper-case hex) is rebuilt byte for byte.
  if (!fingerprint || formatFingerprint(fingerprint) !== fingerprintText) return null;
  if (setup !== 'actpass' && setup !== 'active' && setup !== 'passive') return null;
  if (type === 'answer' && setup === 'actpass') return null;
  const iceLite = all.some((a) => a.name === 'ice-lite');
  if (iceLite && single('ice-lite') !== null) return null;

  const sctpPort = numberAttribute(single('sctp-port'), DEFAULT_SCTP_PORT, 65535);
  const maxMessageSize = numberAttribute(single('max-message-size'), null, 0xffffffff);
  if (sctpPort === undefined || sctpPort === 0 || maxMessageSize === undefined) return null;

  const candidates = dropCandidates ? [] : compactCandidates(section.attributes, ufrag);
  if (!candidates) return null;
  return { type, setup, ufrag, pwd, fingerprint, iceLite, sctpPort, maxMessageSize, candidates };
}

/** undefined: present but not a plain decimal in range. */
function numberAttribute<T extends number | null>(
  value: string | null | undefined,
  absent: T,
  max: number,
): number | T | undefined {
  if (value === undefined) return absent;
  if (value === null || !/^(0|[1-9]\d{0,9})$/.test(value) || Number(value) > max) return undefined;
  return Number(value);
}

function compactCandidates(attributes: SdpAttribute[], ufrag: string): CompactCandidate[] | null {
  const candidates: CompactCandidate[] = [];
  for (const { name, value } of attributes) {
    if (name !== 'candidate' || value === null) continue;
    const parsed = parseCandidate(value);
    if (parsed?.component !== 1 || parsed.port === 0) return null;
    if (parsed.transport === 'tcp' && parsed.tcpType === null) return null;
    for (const [key, extensionValue] of parsed.extensions) {
      if (key === 'ufrag' ? extensionValue !== ufrag : !IGNORED_CANDIDATE_EXTENSIONS.has(key))
        return null;
    }
    if (!packAddress(parsed.address)) return null;
    candidates.push({
      type: parsed.type,
      transport: parsed.tcpType ? `tcp-${parsed.tcpType}` : 'udp',
      address: parsed.address,
      port: parsed.port,
    });
  }
  return candidates.length <= MAX_CANDIDATES ? candidates : null;
}

const TYPE_PREFERENCE: Record<CandidateType, { udp: number; tcp: number }> = {
  host: { udp: 126, tcp: 90 },
  prflx: { udp: 110, tcp: 80 },
  srflx: { udp: 100, tcp: 65 },
  relay: { udp: 2, tcp: 0 },
};

/**
 * Rebuilds the SDP of a compact session. Foundations and priorities are derived (RFC 8445
 * §5.1.2, with the local preference falling in candidate order so the original order of
 * preference survives); the rest is what every browser writes for a data-channel session.
 */
export function buildSdp(session: CompactSession, sessionId: string): string {
  const lines = [
    'v=0',
    `o=- ${sessionId} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    ...(session.iceLite ? ['a=ice-lite'] : []),
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    ...session.candidates.map(
      (candidate, index) => `a=candidate:${candidateLine(candidate, index)}`,
    ),
    `a=ice-ufrag:${session.ufrag}`,
    `a=ice-pwd:${session.pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:${formatFingerprint(session.fingerprint)}`,
    `a=setup:${session.setup}`,
    'a=mid:0',
    `a=sctp-port:${session.sctpPort}`,
    ...(session.maxMessageSize === null ? [] : [`a=max-message-size:${session.maxMessageSize}`]),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

function candidateLine(
  { type, transport, address, port }: CompactCandidate,
  index: number,
): string {
  const protocol = transport === 'udp' ? 'udp' : 'tcp';
  const priority = TYPE_PREFERENCE[type][protocol] * 2 ** 24 + (65535 - index) * 2 ** 8 + 255;
  const fields = [
    String(index + 1),
    '1',
    protocol,
    String(priority),
    address,
    String(port),
    'typ',
    type,
  ];
  if (type !== 'host')
    fields.push('raddr', addressFamily(address) === 'IP6' ? '::' : '0.0.0.0', 'rport', '0');
  if (transport !== 'udp') fields.push('tcptype', transport.slice(4));
  return fields.join(' ');
}
