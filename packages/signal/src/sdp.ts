import { SignalError, type SignalErrorCode } from './errors.ts';
import { isIceChars } from './ice-chars.ts';

/** Largest SDP this package reads or writes, compressed or not. */
export const MAX_SDP_LENGTH = 64 * 1024;

export interface SdpAttribute {
  name: string;
  /** Text after the first ":" (null for a flag attribute such as `a=ice-lite`). */
  value: string | null;
}

export interface SdpMediaSection {
  media: string;
  port: number;
  proto: string;
  formats: string[];
  /** Every line of the section after `m=`, as written. */
  lines: string[];
  attributes: SdpAttribute[];
}

export interface ParsedSdp {
  /** Lines before the first `m=`, as written. */
  sessionLines: string[];
  sessionAttributes: SdpAttribute[];
  media: SdpMediaSection[];
}

export const HASH_LENGTHS = {
  'sha-1': 20,
  'sha-224': 28,
  'sha-256': 32,
  'sha-384': 48,
  'sha-512': 64,
} as const;

export type HashAlgorithm = keyof typeof HASH_LENGTHS;

export interface Fingerprint {
  algorithm: HashAlgorithm;
  bytes: Uint8Array;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const LINE = /^[a-z]=[^\x00-\x1f\x7f]*$/;

/**
 * Reads SDP text and checks what a browser checks before it accepts a description: line
 * syntax, the v/o/s order, m-lines, and the syntax of every attribute that WebRTC relies on
 * (fingerprint, ICE credentials, setup, candidates). Fails with `code`.
 */
export function readSdp(text: string, code: SignalErrorCode): ParsedSdp {
  const fail = (why: string): never => {
    throw new SignalError(code, `SDP ${why}`);
  };
  if (text.length > MAX_SDP_LENGTH)
    throw new SignalError('ERR_TOO_LARGE', 'SDP is larger than 64 KiB');
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 4) fail('has fewer than the four required lines');
  lines.forEach((line, index) => {
    if (!LINE.test(line)) fail(`line ${index + 1} is not of the form x=value`);
  });
  if (lines[0] !== 'v=0') fail('does not start with v=0');
  if (!/^o=\S+ \d+ \d+ IN IP[46] \S+$/.test(lines[1] ?? '')) fail('has no valid o= line second');
  if (!lines[2]?.startsWith('s=')) fail('has no s= line third');

  const parsed: ParsedSdp = { sessionLines: [], sessionAttributes: [], media: [] };
  let section: SdpMediaSection | null = null;
  let sawTime = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      const match = /^m=(\S+) (\d+)(?:\/\d+)? (\S+)((?: \S+)*)$/.exec(line);
      if (!match) return fail(`has a malformed media line "${line}"`);
      const [, media = '', port = '', proto = '', formats = ''] = match;
      if (Number(port) > 65535) fail(`has a media port out of range in "${line}"`);
      section = {
        media,
        port: Number(port),
        proto,
        formats: formats.split(' ').filter(Boolean),
        lines: [],
        attributes: [],
      };
      parsed.media.push(section);
      continue;
    }
    if (line.startsWith('t=')) sawTime = true;
    (section ? section.lines : parsed.sessionLines).push(line);
    if (line.startsWith('a=')) {
      const colon = line.indexOf(':');
      const attribute: SdpAttribute =
        colon < 0
          ? { name: line.slice(2), value: null }
          : { name: line.slice(2, colon), value: line.slice(colon + 1) };
      const problem = attributeProblem(attribute);
      if (problem) fail(problem);
      (section ? section.attributes : parsed.sessionAttributes).push(attribute);
    }
  }
  if (!sawTime) fail('has no t= line');
  return parsed;
}

function attributeProblem({ name, value }: SdpAttribute): string | null {
  switch (name) {
    case 'fingerprint':
      return value !== null && parseFingerprint(value)
        ? null
        : `has a malformed fingerprint "${value}"`;
    case 'ice-ufrag':
      return value !== null && isIceChars(value) && value.length >= 4 && value.length <= 256
        ? null
        : `has a malformed ice-ufrag "${value}"`;
    case 'ice-pwd':
      return value !== null && isIceChars(value) && value.length >= 22 && value.length <= 256
        ? null
        : 'has a malformed ice-pwd';
    case 'setup':
      return value !== null && /^(actpass|active|passive|holdconn)$/.test(value)
        ? null
        : `has a malformed setup "${value}"`;
    case 'candidate':
      return value !== null && parseCandidate(value)
        ? null
        : `has a malformed candidate "${value}"`;
    case 'mid':
      return value !== null && /^[\x21-\x7e]{1,32}$/.test(value)
        ? null
        : `has a malformed mid "${value}"`;
    default:
      return null;
  }
}

export function parseFingerprint(value: string): Fingerprint | null {
  const match = /^(\S+) ((?:[0-9A-Fa-f]{2}:)*[0-9A-Fa-f]{2})$/.exec(value);
  if (!match) return null;
  const [, name = '', hex = ''] = match;
  const algorithm = name.toLowerCase();
  if (!(algorithm in HASH_LENGTHS)) return null;
  const known = algorithm as HashAlgorithm;
  const pairs = hex.split(':');
  if (pairs.length !== HASH_LENGTHS[known]) return null;
  return { algorithm: known, bytes: Uint8Array.from(pairs, (pair) => Number.parseInt(pair, 16)) };
}

export function formatFingerprint({ algorithm, bytes }: Fingerprint): string {
  const hex = Array.from(bytes, (byte) => byte.toString(16).toUpperCase().padStart(2, '0'));
  return `${algorithm} ${hex.join(':')}`;
}

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
export type TcpType = 'active' | 'passive' | 'so';

export interface ParsedCandidate {
  foundation: string;
  component: number;
  transport: 'udp' | 'tcp';
  priority: number;
  address: string;
  port: number;
  type: CandidateType;
  tcpType: TcpType | null;
  /** Extensions other than raddr, rport and tcptype, in order. */
  extensions: Array<[string, string]>;
}

/** Parses the value of `a=candidate:` (RFC 8839 grammar); null when malformed. */
export function parseCandidate(value: string): ParsedCandidate | null {
  const fields = value.split(' ');
  const [
    foundation = '',
    component = '',
    transport = '',
    priority = '',
    address = '',
    port = '',
    typ,
    type = '',
  ] = fields;
  if (!/^[A-Za-z0-9+/]{1,32}$/.test(foundation)) return null;
  if (!/^\d{1,3}$/.test(component) || Number(component) < 1 || Number(component) > 256) return null;
  const lowerTransport = transport.toLowerCase();
  if (lowerTransport !== 'udp' && lowerTransport !== 'tcp') return null;
  if (!/^\d{1,10}$/.test(priority) || Number(priority) > 0xffffffff) return null;
  if (!/^[\x21-\x7e]{1,253}$/.test(address)) return null;
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return null;
  if (typ !== 'typ' || !/^(host|srflx|prflx|relay)$/.test(type)) return null;
  const rest = fields.slice(8);
  if (rest.length % 2 !== 0) return null;
  let tcpType: TcpType | null = null;
  const extensions: Array<[string, string]> = [];
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i] ?? '';
    const extensionValue = rest[i + 1] ?? '';
    if (!/^[\x21-\x7e]+$/.test(key) || !/^[\x21-\x7e]+$/.test(extensionValue)) return null;
    if (key === 'tcptype') {
      if (!/^(active|passive|so)$/.test(extensionValue)) return null;
      tcpType = extensionValue as TcpType;
    } else if (key !== 'raddr' && key !== 'rport') {
      extensions.push([key, extensionValue]);
    }
  }
  if (lowerTransport === 'udp' && tcpType !== null) return null;
  return {
    foundation,
    component: Number(component),
    transport: lowerTransport,
    priority: Number(priority),
    address,
    port: Number(port),
    type: type as CandidateType,
    tcpType,
    extensions,
  };
}
