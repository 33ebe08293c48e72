import { type AddressKind, bytesToHex, hexToBytes, packAddress, unpackAddress } from './address.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import { SignalError } from './errors.ts';
import { packedIceLength, packIceChars, unpackIceChars } from './ice-chars.ts';
import { HASH_LENGTHS, type HashAlgorithm } from './sdp.ts';
import {
  type CandidateTransport,
  type CompactCandidate,
  type CompactSession,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_SCTP_PORT,
  MAX_CANDIDATES,
} from './session.ts';

/*
 * Compact format, version 1 (docs/signal-format.md has the full table):
 *
 *   header   1 byte   vvv0 tssx  version, 0 = compact, type, DTLS setup, extension follows
 *   [ext]    1 byte   xmMp lhhh  credentials in hex, max-message-size absent / explicit,
 *                                sctp-port explicit, ice-lite, hash algorithm
 *   lengths  1 byte   uuuu pppp  ufrag length - 4 and pwd length - 22; 15 = explicit byte follows
 *   creds             ufrag + pwd at 6 bits a character (4 bits when both are lower-case hex,
 *                     as Firefox makes them)
 *   fingerprint       raw hash bytes
 *   [sctp-port u16] [max-message-size varint]
 *   candidates, to the end: 1 byte ttpp aa9r (type, transport, address kind, port 9, reserved),
 *                           the address, then the port (u16) unless it is 9
 */
export const FORMAT_VERSION = 1;
export const FALLBACK_FLAG = 0x10;

const SETUPS = ['actpass', 'active', 'passive'] as const;
const HASHES: readonly HashAlgorithm[] = ['sha-256', 'sha-1', 'sha-224', 'sha-384', 'sha-512'];
const CANDIDATE_TYPES = ['host', 'srflx', 'prflx', 'relay'] as const;
const TRANSPORTS: readonly CandidateTransport[] = ['udp', 'tcp-active', 'tcp-passive', 'tcp-so'];
const ADDRESS_KINDS: readonly AddressKind[] = ['ipv4', 'ipv6', 'mdns', 'name'];
const ADDRESS_LENGTHS: Record<Exclude<AddressKind, 'name'>, number> = {
  ipv4: 4,
  ipv6: 16,
  mdns: 16,
};
const DISCARD_PORT = 9;

export function writeCompact(session: CompactSession): Uint8Array {
  const writer = new ByteWriter();
  const hash = HASHES.indexOf(session.fingerprint.algorithm);
  const explicitSctp = session.sctpPort !== DEFAULT_SCTP_PORT;
  const absentMax = session.maxMessageSize === null;
  const explicitMax = !absentMax && session.maxMessageSize !== DEFAULT_MAX_MESSAGE_SIZE;
  const hexCredentials = isLowerHex(session.ufrag + session.pwd);
  const extension =
    (hexCredentials ? 0x80 : 0) |
    (absentMax ? 0x40 : 0) |
    (explicitMax ? 0x20 : 0) |
    (explicitSctp ? 0x10 : 0) |
    (session.iceLite ? 0x08 : 0) |
    hash;

  writer.u8(
    (FORMAT_VERSION << 5) |
      (session.type === 'answer' ? 0x08 : 0) |
      (SETUPS.indexOf(session.setup) << 1) |
      (extension !== 0 ? 1 : 0),
  );
  if (extension !== 0) writer.u8(extension);

  const ufragNibble = Math.min(session.ufrag.length - 4, 15);
  const pwdNibble = Math.min(session.pwd.length - 22, 15);
  writer.u8((ufragNibble << 4) | pwdNibble);
  if (ufragNibble === 15) writer.u8(session.ufrag.length);
  if (pwdNibble === 15) writer.u8(session.pwd.length);
  const credentials = session.ufrag + session.pwd;
  writer.bytes(hexCredentials ? packHex(credentials) : packIceChars(credentials));
  writer.bytes(session.fingerprint.bytes);
  if (explicitSctp) writer.u16(session.sctpPort);
  if (explicitMax) writer.varint(session.maxMessageSize ?? 0);

  for (const candidate of session.candidates) {
    const address = packAddress(candidate.address);
    if (!address)
      throw new SignalError('ERR_INVALID_ARGUMENT', `cannot pack address ${candidate.address}`);
    const discardPort = candidate.port === DISCARD_PORT;
    writer.u8(
      (CANDIDATE_TYPES.indexOf(candidate.type) << 6) |
        (TRANSPORTS.indexOf(candidate.transport) << 4) |
        (ADDRESS_KINDS.indexOf(address.kind) << 2) |
        (discardPort ? 0x02 : 0),
    );
    if (address.kind === 'name') writer.u8(address.bytes.length);
    writer.bytes(address.bytes);
    if (!discardPort) writer.u16(candidate.port);
  }
  return writer.finish();
}

/** Reads a compact signal whose header byte has already been checked for version and flag. */
export function readCompact(bytes: Uint8Array): CompactSession {
  const reader = new ByteReader(bytes);
  const header = reader.u8('the header');
  const type = header & 0x08 ? 'answer' : 'offer';
  const setup = SETUPS[(header >> 1) & 0x03];
  if (!setup) throw malformed('the DTLS setup role is not actpass, active or passive');
  if (type === 'answer' && setup === 'actpass')
    throw malformed('an answer cannot have DTLS setup actpass');

  const extension = header & 0x01 ? reader.u8('the extension byte') : 0;
  if (header & 0x01 && extension === 0) throw malformed('the extension byte is present but empty');
  if ((extension & 0x60) === 0x60) throw malformed('max-message-size is both absent and explicit');
  const algorithm = HASHES[extension & 0x07];
  if (!algorithm) throw malformed('the fingerprint hash algorithm is unknown');

  const lengths = reader.u8('the credential lengths');
  const ufragLength = lengths >> 4 === 15 ? reader.u8('the ufrag length') : (lengths >> 4) + 4;
  const pwdLength = (lengths & 0x0f) === 15 ? reader.u8('the pwd length') : (lengths & 0x0f) + 22;
  // The short forms cover 4..18 and 22..36; explicit lengths must lie beyond them.
  if (lengths >> 4 === 15 && ufragLength < 19) throw malformed('the ufrag length is not canonical');
  if ((lengths & 0x0f) === 15 && pwdLength < 37) throw malformed('the pwd length is not canonical');
  const charCount = ufragLength + pwdLength;
  const credentials =
    extension & 0x80
      ? unpackHex(reader.take(Math.ceil(charCount / 2), 'the ICE credentials'), charCount)
      : unpackIceChars(reader.take(packedIceLength(charCount), 'the ICE credentials'), charCount);
  // The encoder always packs hex credentials at 4 bits, so the 6-bit form never holds them.
  if (!(extension & 0x80) && isLowerHex(credentials))
    throw malformed('hex ICE credentials are not in hex form');
  const fingerprint = {
    algorithm,
    bytes: Uint8Array.from(reader.take(HASH_LENGTHS[algorithm], 'the fingerprint')),
  };
  const sctpPort = extension & 0x10 ? reader.u16('the sctp-port') : DEFAULT_SCTP_PORT;
  if (extension & 0x10 && (sctpPort === 0 || sctpPort === DEFAULT_SCTP_PORT)) {
    throw malformed('the explicit sctp-port is 0 or the default');
  }
  let maxMessageSize: number | null = DEFAULT_MAX_MESSAGE_SIZE;
  if (extension & 0x40) maxMessageSize = null;
  if (extension & 0x20) {
    maxMessageSize = reader.varint('the max-message-size');
    if (maxMessageSize === DEFAULT_MAX_MESSAGE_SIZE)
      throw malformed('the explicit max-message-size is the default');
  }

  const candidates: CompactCandidate[] = [];
  while (reader.remaining > 0) {
    if (candidates.length === MAX_CANDIDATES)
      throw malformed(`there are more than ${MAX_CANDIDATES} candidates`);
    candidates.push(readCandidate(reader));
  }
  return {
    type,
    setup,
    ufrag: credentials.slice(0, ufragLength),
    pwd: credentials.slice(ufragLength),
    fingerprint,
    iceLite: (extension & 0x08) !== 0,
    sctpPort,
    maxMessageSize,
    candidates,
  };
}

function readCandidate(reader: ByteReader): CompactCandidate {
  const flags = reader.u8('a candidate');
  if (flags & 0x01) throw malformed('a candidate has its reserved bit set');
  const type = CANDIDATE_TYPES[flags >> 6] ?? 'host';
  const transport = TRANSPORTS[(flags >> 4) & 0x03] ?? 'udp';
  const kind = ADDRESS_KINDS[(flags >> 2) & 0x03] ?? 'ipv4';
  const length = kind === 'name' ? reader.u8('a candidate name length') : ADDRESS_LENGTHS[kind];
  const address = unpackAddress(kind, reader.take(length, 'a candidate address'));
  if (address === null) throw malformed('a candidate host name is not a valid name');
  const port = flags & 0x02 ? DISCARD_PORT : reader.u16('a candidate port');
  if (port === 0 || (port === DISCARD_PORT && !(flags & 0x02)))
    throw malformed('a candidate port is 0 or not canonical');
  return { type, transport, address, port };
}

function isLowerHex(text: string): boolean {
  return /^[0-9a-f]*$/.test(text);
}

function packHex(text: string): Uint8Array {
  return hexToBytes(text.length % 2 ? `${text}0` : text);
}

function unpackHex(packed: Uint8Array, charCount: number): string {
  const hex = bytesToHex(packed);
  if (hex.length > charCount && !hex.endsWith('0'))
    throw malformed('ICE credentials have a non-zero padding nibble');
  return hex.slice(0, charCount);
}

function malformed(why: string): SignalError {
  return new SignalError('ERR_MALFORMED_FIELD', why);
}
