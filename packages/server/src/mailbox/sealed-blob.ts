import { ServerError } from '../errors.ts';

/**
 * Sealed blobs arrive as base64url and are stored as the bytes they stand for. The schema has
 * already checked the alphabet and length; this refuses the texts that are not the one
 * canonical spelling of their bytes (stray low bits in the last character), so what is stored
 * is exactly what a reader gets back.
 */
export function decodeSealed(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw new ServerError('ERR_INVALID_BODY', 'sealed is not canonical base64url');
  }
  // A copy: small Buffers are views into a shared pool.
  return new Uint8Array(bytes);
}

export function encodeSealed(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
