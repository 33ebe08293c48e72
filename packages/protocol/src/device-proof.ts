import type { ChallengeFrame, DevicePublicKey } from './account-messages.ts';

/**
 * How a device proves it holds its device key (docs/account-protocol.md, "Device identity"):
 * WebCrypto's ECDSA over P-256 with SHA-256, in browsers and Node alike.
 */
export const DEVICE_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const DEVICE_SIGNATURE_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** base64url of 32 bytes: a P-256 coordinate in a JWK. */
export const DEVICE_KEY_COORDINATE_PATTERN = '^[A-Za-z0-9_-]{43}$';

/**
 * The text a device signs: a fixed label (so the signature cannot stand for anything else),
 * the server's fresh nonce, the user and the server's context, one a line.
 */
export function deviceProofText(challenge: Pick<ChallengeFrame, 'nonce' | 'user' | 'context'>) {
  return `webrtc-connect device proof v1\n${challenge.nonce}\n${challenge.user}\n${challenge.context}`;
}

/** The public members of a key in the order RFC 7638 hashes them for its thumbprint. */
export function devicePublicKeyOf(jwk: {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
}): DevicePublicKey {
  return { kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' };
}
