/**
 * Codec size benchmark: for every SDP of the corpus, side by side, the raw SDP, deflate,
 * lz-string's URI form, our compact bytes and link text, and the information minimum.
 */
import { deflateRawSync } from 'node:zlib';
import { encodeSignal, toLinkText } from '@webrtc-connect/signal';
import lzString from 'lz-string';

export interface CorpusEntry {
  source: string;
  description: RTCSessionDescriptionInit;
}

export interface CodecSizeRow {
  source: string;
  type: string;
  candidates: number;
  rawBytes: number;
  deflateBytes: number;
  lzStringChars: number;
  oursBytes: number;
  oursLinkChars: number;
  oursDroppedBytes: number;
  minimumBytes: number;
  form: 'compact' | 'fallback';
}

export function measureCodecSizes(corpus: CorpusEntry[]): CodecSizeRow[] {
  return corpus.map(({ source, description }) => {
    const sdp = description.sdp ?? '';
    const ours = encodeSignal(description);
    return {
      source,
      type: description.type,
      candidates: sdp.split(/\r?\n/).filter((line) => line.startsWith('a=candidate:')).length,
      rawBytes: Buffer.byteLength(sdp),
      deflateBytes: deflateRawSync(sdp, { level: 9 }).length,
      lzStringChars: lzString.compressToEncodedURIComponent(sdp).length,
      oursBytes: ours.length,
      oursLinkChars: toLinkText(ours).length,
      oursDroppedBytes: encodeSignal(description, { dropCandidates: true }).length,
      minimumBytes: informationMinimum(sdp),
      form: (ours[0] ?? 0) & 0x10 ? 'fallback' : 'compact',
    };
  });
}

/**
 * ufrag + pwd at the entropy of their alphabet (6 bits a character, 4 for hex), the fingerprint's
 * raw bytes, and for each candidate its address (4, 16, or 16 bytes for an mDNS uuid) and port.
 */
export function informationMinimum(sdp: string): number {
  const value = (name: string) =>
    sdp
      .split(/\r?\n/)
      .find((line) => line.startsWith(`a=${name}:`))
      ?.slice(name.length + 3) ?? '';
  const credentials = value('ice-ufrag') + value('ice-pwd');
  const bitsPerChar = /^[0-9a-f]*$/.test(credentials) ? 4 : 6;
  let bits = credentials.length * bitsPerChar;
  bits += (value('fingerprint').split(' ')[1]?.split(':').length ?? 0) * 8;
  for (const line of sdp.split(/\r?\n/)) {
    if (!line.startsWith('a=candidate:')) continue;
    const address = line.split(' ')[4] ?? '';
    const addressBytes = address.includes(':') ? 16 : address.endsWith('.local') ? 16 : 4;
    bits += (addressBytes + 2) * 8;
  }
  return Math.ceil(bits / 8);
}

export function printCodecSizes(rows: CodecSizeRow[]): void {
  console.log('\nCodec sizes (bytes unless marked chars)');
  console.table(
    rows.map((row) => ({
      source: row.source,
      cands: row.candidates,
      raw: row.rawBytes,
      deflate: row.deflateBytes,
      'lz-string chars': row.lzStringChars,
      ours: row.oursBytes,
      'ours link chars': row.oursLinkChars,
      'ours no-cands': row.oursDroppedBytes,
      minimum: row.minimumBytes,
      'ours/raw': `${((100 * row.oursBytes) / row.rawBytes).toFixed(1)}%`,
      form: row.form,
    })),
  );
}
