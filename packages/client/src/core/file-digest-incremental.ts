import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import {
  type IncomingDigest,
  sha256Hex,
  WHOLE_DIGEST_MAX_BYTES,
  wholeFileDigest,
} from './file-digest.ts';

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
