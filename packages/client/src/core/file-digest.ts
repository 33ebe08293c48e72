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
 * Hashes the received file once whole, reading it back at its end (a messenger without
 * `FileResume` checking the hash a resumable peer sent; a `FileResume` copies the bytes as
 * they come instead, file-digest-incremental.ts). Above the maximum, it cannot tell.
 */
export const readBackDigest: IncomingDigest = {
  update() {},
  async catchUp() {},
  async finish(whole) {
    return whole.size <= WHOLE_DIGEST_MAX_BYTES ? sha256Hex(await whole.arrayBuffer()) : undefined;
  },
};
