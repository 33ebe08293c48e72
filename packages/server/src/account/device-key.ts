import { randomBytes, webcrypto } from 'node:crypto';
import {
  type ChallengeFrame,
  DEVICE_KEY_ALGORITHM,
  DEVICE_SIGNATURE_ALGORITHM,
  deviceProofText,
  devicePublicKeyOf,
  devicePublicKeySchema,
} from '@webrtc-connect/protocol';
import { Ajv } from 'ajv';
import { calculateJwkThumbprint } from 'jose';
import { ServerError } from '../errors.ts';

/** A device's public key from its hello, ready to check its proof. */
export interface DeviceKey {
  key: webcrypto.CryptoKey;
  /** RFC 7638 thumbprint (SHA-256, base64url): what the room binds to the device's id. */
  thumbprint: string;
}

const validKey = new Ajv({ coerceTypes: false, removeAdditional: false }).compile(
  devicePublicKeySchema,
);

/** The hello's `deviceKey`, checked and imported; ERR_DEVICE_KEY when it is not one. */
export async function readDeviceKey(value: unknown): Promise<DeviceKey> {
  if (!validKey(value)) {
    throw new ServerError('ERR_DEVICE_KEY', 'deviceKey must be an ECDSA P-256 public JWK');
  }
  const jwk = devicePublicKeyOf(value as { x: string; y: string });
  let key: webcrypto.CryptoKey;
  try {
    // Also refuses coordinates that are not a point of the curve.
    key = await webcrypto.subtle.importKey('jwk', jwk, DEVICE_KEY_ALGORITHM, false, ['verify']);
  } catch {
    throw new ServerError('ERR_DEVICE_KEY', 'deviceKey is not a point of P-256');
  }
  return { key, thumbprint: await calculateJwkThumbprint(jwk, 'sha256') };
}

/** A fresh challenge for one socket: what the device must sign. */
export function deviceChallenge(user: string, room: string): ChallengeFrame {
  // The room key names where the token came from too (a development "alice" is another room).
  return {
    type: 'challenge',
    nonce: randomBytes(32).toString('base64url'),
    user,
    context: `account-room v1 ${room}`,
  };
}

/** Throws ERR_DEVICE_PROOF unless `signature` is the key's signature of the challenge. */
export async function checkDeviceProof(
  device: DeviceKey,
  challenge: ChallengeFrame,
  signature: string,
): Promise<void> {
  const bytes = Buffer.from(signature, 'base64url');
  const text = new TextEncoder().encode(deviceProofText(challenge));
  let valid = false;
  try {
    valid = await webcrypto.subtle.verify(DEVICE_SIGNATURE_ALGORITHM, device.key, bytes, text);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new ServerError(
      'ERR_DEVICE_PROOF',
      'the proof is not a signature of the challenge by the device key',
    );
  }
}
