import { unzlibSync, zlibSync } from 'fflate';
import { FALLBACK_FLAG, FORMAT_VERSION } from './compact-format.ts';
import { SignalError } from './errors.ts';
import { MAX_SDP_LENGTH, readSdp } from './sdp.ts';
import type { SdpType, SessionDescription } from './session-description.ts';

/*
 * The lossless fallback: header byte (version, fallback flag, type) and the SDP as a zlib
 * stream. zlib rather than raw deflate for its Adler-32, checked on decode, so a damaged link
 * fails instead of yielding an SDP with a changed digit.
 */
const FALLBACK_TYPES = ['offer', 'answer', 'pranswer'] as const;
type FallbackType = (typeof FALLBACK_TYPES)[number];

export function isFallbackType(type: SdpType): type is FallbackType {
  return (FALLBACK_TYPES as readonly string[]).includes(type);
}

export function writeFallback(type: FallbackType, sdp: string): Uint8Array {
  const compressed = zlibSync(new TextEncoder().encode(sdp), { level: 9, mem: 8 });
  const out = new Uint8Array(compressed.length + 1);
  out[0] = (FORMAT_VERSION << 5) | FALLBACK_FLAG | FALLBACK_TYPES.indexOf(type);
  out.set(compressed, 1);
  return out;
}

export function readFallback(bytes: Uint8Array): SessionDescription {
  const header = bytes[0] ?? 0;
  if (header & 0x0c)
    throw new SignalError('ERR_MALFORMED_FIELD', 'the fallback header has reserved bits set');
  const type = FALLBACK_TYPES[header & 0x03];
  if (!type) throw new SignalError('ERR_MALFORMED_FIELD', 'the fallback session type is unknown');
  if (bytes.length < 7)
    throw new SignalError('ERR_TRUNCATED', 'the fallback signal ends inside its zlib stream');
  if (bytes.length > MAX_SDP_LENGTH)
    throw new SignalError('ERR_TOO_LARGE', 'the signal is larger than 64 KiB');

  let text: Uint8Array;
  try {
    // One byte of room past the limit tells an SDP that fills it from one that overflows it.
    text = unzlibSync(bytes.subarray(1), { out: new Uint8Array(MAX_SDP_LENGTH + 1) });
  } catch (cause) {
    throw new SignalError('ERR_MALFORMED_FIELD', 'the fallback SDP is not a valid zlib stream', {
      cause,
    });
  }
  if (text.length > MAX_SDP_LENGTH)
    throw new SignalError('ERR_TOO_LARGE', 'the fallback SDP inflates past 64 KiB');
  const trailer = bytes.subarray(bytes.length - 4);
  const expected =
    (trailer[0] ?? 0) * 2 ** 24 +
    ((trailer[1] ?? 0) << 16) +
    ((trailer[2] ?? 0) << 8) +
    (trailer[3] ?? 0);
  if (adler32(text) !== expected) {
    throw new SignalError('ERR_MALFORMED_FIELD', 'the fallback SDP fails its Adler-32 check');
  }
  let sdp: string;
  try {
    sdp = new TextDecoder('utf-8', { fatal: true }).decode(text);
  } catch (cause) {
    throw new SignalError('ERR_MALFORMED_FIELD', 'the fallback SDP is not UTF-8', { cause });
  }
  readSdp(sdp, 'ERR_MALFORMED_FIELD');
  return { type, sdp };
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    // 5552 is the most bytes that can be summed before b can overflow 2^32 (zlib's NMAX).
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i += 1) {
      a += data[i] ?? 0;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return b * 65536 + a;
}
