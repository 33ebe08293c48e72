import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { type IncomingDigest, sha256Hex, WHOLE_DIGEST_MAX_BYTES } from './file-digest.ts';

// Bytes read (and hashed, on the main thread) at once: small enough not to stall the channel.
const READ_BYTES = 256 * 1024;

/**
 * How a resumable receiver hashes a file of `size` bytes: whole by WebCrypto at its end when it
 * is at most `wholeMax` bytes, else incrementally by @noble/hashes as its bytes arrive.
 */
export function incomingDigest(size: number, wholeMax = WHOLE_DIGEST_MAX_BYTES): IncomingDigest {
  if (size <= wholeMax) return wholeFileDigest(size, wholeMax);
  const hash = sha256.create();
  return {
    update: (bytes) => hash.update(bytes),
    async catchUp(kept) {
      await readInto(hash, kept);
    },
    async finish() {
      return bytesToHex(hash.digest());
    },
  };
}

/** The SHA-256 (hex) of a file the sender has whole. */
export async function sha256OfBlob(blob: Blob, wholeMax = WHOLE_DIGEST_MAX_BYTES): Promise<string> {
  if (blob.size <= wholeMax) return sha256Hex(await blob.arrayBuffer());
  const hash = sha256.create();
  await readInto(hash, blob);
  return bytesToHex(hash.digest());
}

async function readInto(hash: ReturnType<typeof sha256.create>, blob: Blob): Promise<void> {
  for (let at = 0; at < blob.size; at += READ_BYTES) {
    hash.update(new Uint8Array(await blob.slice(at, at + READ_BYTES).arrayBuffer()));
  }
}

/**
 * Hashes the received file once whole, at its end: its bytes are copied as they come into one
 * buffer (grown as they come, so an announcement alone reserves nothing), so the end hashes
 * that at once instead of reading the file back. Above `wholeMax` bytes, it cannot tell.
 */
function wholeFileDigest(size: number, wholeMax = WHOLE_DIGEST_MAX_BYTES): IncomingDigest {
  let copy = new Uint8Array(0);
  let length = 0;
  const take = (bytes: Uint8Array) => {
    if (length + bytes.length > copy.length) {
      const grown = new Uint8Array(
        Math.min(size, Math.max(2 * copy.length, length + bytes.length, 1 << 20)),
      );
      grown.set(copy.subarray(0, length));
      copy = grown;
    }
    copy.set(bytes, length);
    length += bytes.length;
  };
  if (size > wholeMax) return { update() {}, async catchUp() {}, finish: async () => undefined };
  return {
    update: take,
    async catchUp(kept) {
      take(new Uint8Array(await kept.arrayBuffer()));
    },
    async finish(whole) {
      // A receiver always gives every byte before `finish`; should it not, read them back.
      const bytes = length === whole.size ? copy.subarray(0, length) : await whole.arrayBuffer();
      copy = new Uint8Array(0);
      return sha256Hex(bytes);
    },
  };
}
