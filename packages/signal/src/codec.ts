import { FALLBACK_FLAG, FORMAT_VERSION, readCompact, writeCompact } from './compact-format.ts';
import { SignalError } from './errors.ts';
import { isFallbackType, readFallback, writeFallback } from './fallback.ts';
import { MAX_SDP_LENGTH, readSdp } from './sdp.ts';
import { buildSdp, toCompactSession } from './session.ts';
import type { SessionDescription } from './session-description.ts';

export interface EncodeSignalOptions {
  /**
   * Leave out every ICE candidate. For an answerer whose checks will reach the offerer (which
   * then learns it as a peer-reflexive candidate): saves about 19 bytes per candidate.
   */
  dropCandidates?: boolean;
}

/**
 * Turns a session description into the fewest bytes that rebuild it: a compact form for
 * data-channel sessions (the derivable lines are rebuilt on decode), a lossless zlib form for
 * everything else. Throws SignalError ERR_INVALID_DESCRIPTION for a description that is no
 * offer, answer or pranswer with a well-formed SDP.
 */
export function encodeSignal(
  description: SessionDescription,
  options: EncodeSignalOptions = {},
): Uint8Array {
  const { type, sdp } = (description ?? {}) as Partial<SessionDescription>;
  if (typeof type !== 'string' || !isFallbackType(type)) {
    throw new SignalError(
      'ERR_INVALID_DESCRIPTION',
      `a signal is an offer, answer or pranswer, not ${String(type)}`,
    );
  }
  if (typeof sdp !== 'string')
    throw new SignalError('ERR_INVALID_DESCRIPTION', 'the description has no SDP');
  const dropCandidates = options.dropCandidates === true;
  const parsed = readSdp(sdp, 'ERR_INVALID_DESCRIPTION');
  const session = toCompactSession(parsed, type, dropCandidates);
  if (session) return writeCompact(session);
  return writeFallback(type, dropCandidates ? withoutCandidates(sdp) : sdp);
}

/**
 * Rebuilds the session description from `encodeSignal`'s bytes. Any other bytes give a
 * SignalError (ERR_TRUNCATED, ERR_UNKNOWN_VERSION, ERR_MALFORMED_FIELD, ERR_TOO_LARGE): never
 * another exception, and never an SDP that fails the checks a browser makes.
 */
export function decodeSignal(bytes: Uint8Array): SessionDescription {
  if (!(bytes instanceof Uint8Array))
    throw new SignalError('ERR_INVALID_ARGUMENT', 'a signal is a Uint8Array');
  if (bytes.length > MAX_SDP_LENGTH)
    throw new SignalError('ERR_TOO_LARGE', 'the signal is larger than 64 KiB');
  const header = bytes[0];
  if (header === undefined) throw new SignalError('ERR_TRUNCATED', 'the signal is empty');
  const version = header >> 5;
  if (version !== FORMAT_VERSION) {
    throw new SignalError(
      'ERR_UNKNOWN_VERSION',
      `the signal has format version ${version}; this library reads ${FORMAT_VERSION}`,
    );
  }
  if (header & FALLBACK_FLAG) return readFallback(bytes);
  const session = readCompact(bytes);
  return { type: session.type, sdp: buildSdp(session, sessionIdOf(session.fingerprint.bytes)) };
}

/**
 * The o= session id is not carried. Deriving it from the certificate fingerprint keeps it
 * stable across later descriptions from the same peer (ICE restarts), as JSEP asks.
 */
function sessionIdOf(fingerprint: Uint8Array): string {
  let id = 0n;
  for (const byte of fingerprint.subarray(0, 7)) id = (id << 8n) | BigInt(byte);
  return (id + 1n).toString();
}

function withoutCandidates(sdp: string): string {
  return sdp
    .split(/(?<=\n)/)
    .filter((line) => !line.startsWith('a=candidate:') && !line.startsWith('a=end-of-candidates'))
    .join('');
}
