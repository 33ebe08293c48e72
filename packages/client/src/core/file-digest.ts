/**
 * SHA-256 of files in a transfer, as the messenger's core needs it: WebCrypto over the whole
 * file at once. WebCrypto hashes natively, off the page's main thread (about ten times
 * @noble/hashes here), but takes its input whole, so it is used up to `WHOLE_DIGEST_MAX_BYTES`;
 * a `FileResume` hashes larger files incrementally (file-digest-incremental.ts).
 */

/** Files up to this size are hashed whole by WebCrypto; it holds them in memory meanwhile. */
export const WHOLE_DIGEST_MAX_BYTES = 128 * 1024 * 1024;

/** How a receiver hashes one incoming file. */
export interface IncomingDigest {
  /** The file's next bytes, in order, as they arrive. */
  update(bytes: Uint8Array): void;
  /** Takes in what a store kept of the file (its first bytes), before any `update`. */
  catchUp(kept: Blob): Promise<void>;
  /** The SHA-256 (hex) of `whole`, the file received; undefined when it cannot tell. */
  finish(whole: Blob): Promise<string | undefined>;
}

export async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Hashes the received file once whole, at its end: its bytes are copied as they come into one
 * buffer (grown as they come, so an announcement alone reserves nothing), so the end hashes
 * that at once instead of reading the file back. Above `wholeMax` bytes, it cannot tell.
 */
export function wholeFileDigest(size: number, wholeMax = WHOLE_DIGEST_MAX_BYTES): IncomingDigest {
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
