import { SignalError } from './errors.ts';
import { formatFingerprint, parseFingerprint, readSdp } from './sdp.ts';
import type { SessionDescription } from './session-description.ts';
import { subtle } from './webcrypto.ts';

/**
 * The short authentication string: six digits both people see after connecting, derived from
 * both DTLS fingerprints. A party in the middle terminates DTLS twice with its own certificate,
 * so the two sides would compute different strings. Order-independent: A and B get the same.
 * 10^6 values: an attacker who cannot choose fingerprints freely passes a read-aloud check
 * once in a million.
 */
export async function shortAuthenticationString(
  fingerprintA: string,
  fingerprintB: string,
): Promise<string> {
  const [first, second] = [canonical(fingerprintA), canonical(fingerprintB)].sort();
  const digest = new Uint8Array(
    await subtle().digest(
      'SHA-256',
      new TextEncoder().encode(`webrtc-connect sas v1\n${first}\n${second}`),
    ),
  );
  const value =
    (((digest[0] ?? 0) << 24) |
      ((digest[1] ?? 0) << 16) |
      ((digest[2] ?? 0) << 8) |
      (digest[3] ?? 0)) >>>
    0;
  const digits = String(value % 1_000_000).padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

/**
 * The DTLS fingerprint (`sha-256 AB:CD:…`) of a session description, for
 * `shortAuthenticationString`. With several, the first, as browsers use.
 */
export function fingerprintOf(description: SessionDescription): string {
  const parsed = readSdp(description?.sdp ?? '', 'ERR_INVALID_DESCRIPTION');
  const all = [
    ...parsed.sessionAttributes,
    ...parsed.media.flatMap((section) => section.attributes),
  ];
  const value = all.find((attribute) => attribute.name === 'fingerprint')?.value;
  if (!value)
    throw new SignalError('ERR_INVALID_DESCRIPTION', 'the description has no DTLS fingerprint');
  return value;
}

function canonical(fingerprint: string): string {
  const parsed = typeof fingerprint === 'string' ? parseFingerprint(fingerprint.trim()) : null;
  if (!parsed)
    throw new SignalError('ERR_INVALID_ARGUMENT', 'a fingerprint is "<hash> XX:XX:…" as in SDP');
  return formatFingerprint(parsed);
}
