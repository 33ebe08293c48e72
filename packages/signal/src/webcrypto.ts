import { SignalError } from './errors.ts';

/** WebCrypto, or a clear error where the page is not a secure context (plain http on a LAN). */
export function subtle(): SubtleCrypto {
  const found = globalThis.crypto?.subtle;
  if (!found) {
    throw new SignalError(
      'ERR_NO_WEBCRYPTO',
      'WebCrypto is missing: serve the page over https (or from localhost) to seal signals',
    );
  }
  return found;
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  if (!globalThis.crypto?.getRandomValues) subtle();
  return crypto.getRandomValues(new Uint8Array(length));
}
