import {
  createHash,
  createSecretKey,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import {
  ACCOUNT_PATHS,
  DEV_TOKEN_TTL_SECONDS,
  type DevSignInRequest,
  type DevSignInResponse,
  devSignInSchema,
} from '@webrtc-connect/protocol';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';

/** The issuer of every development token: how the verifier tells them from the provider's. */
export const DEV_ISSUER = 'webrtc-connect:dev-sign-in';
const ISSUER = DEV_ISSUER;
const AUDIENCE = 'webrtc-connect';

/**
 * Development sign-in: a name in, a token out. Anyone can be anyone, so it is off unless asked
 * for. Its users live in rooms of their own, apart from users of the configured identity
 * provider with the same name. The key is an Ed25519 key made at start and forgotten at exit;
 * or, when the server has a shared secret (instances sharing `--jwt-secret-env`), an HMAC key
 * derived from it (HKDF, so it is never the secret itself and a development token is never a
 * provider token), the same on every instance: a token from one is good on all of them.
 */
export class DevSignIn {
  /** Names this key in token headers, so the verifier knows which tokens are ours. */
  readonly keyId: string;
  readonly #privateKey: KeyObject;
  /** What verifies its tokens (the HMAC key itself, when derived from a shared secret). */
  readonly publicKey: KeyObject;
  readonly algorithm: 'EdDSA' | 'HS256';
  readonly issuer = ISSUER;
  readonly audience = AUDIENCE;
  readonly #clock: () => number;

  constructor(clock: () => number, sharedSecret?: Uint8Array) {
    if (sharedSecret) {
      const derived = Buffer.from(
        hkdfSync('sha256', sharedSecret, 'webrtc-connect', 'development sign-in key', 32),
      );
      this.#privateKey = createSecretKey(derived);
      this.publicKey = this.#privateKey;
      this.algorithm = 'HS256';
      // A name of the key that gives nothing of it away.
      this.keyId = createHash('sha256').update(derived).digest('base64url').slice(0, 12);
    } else {
      const pair = generateKeyPairSync('ed25519');
      this.#privateKey = pair.privateKey;
      this.publicKey = pair.publicKey;
      this.algorithm = 'EdDSA';
      this.keyId = randomBytes(9).toString('base64url');
    }
    this.#clock = clock;
  }

  async issue(name: string): Promise<DevSignInResponse> {
    const now = Math.floor(this.#clock() / 1000);
    const expiresAt = now + DEV_TOKEN_TTL_SECONDS;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: this.algorithm, kid: this.keyId, typ: 'JWT' })
      .setSubject(name)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(this.#privateKey);
    return { token, user: name, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }
}

/** `POST /api/dev/sign-in { name }` → `{ token, user, expiresAt }`. */
export async function devSignInRoute(app: FastifyInstance, devSignIn: DevSignIn): Promise<void> {
  app.post<{ Body: DevSignInRequest; Reply: DevSignInResponse }>(
    ACCOUNT_PATHS.devSignIn,
    { schema: devSignInSchema },
    async (request) => devSignIn.issue(request.body.name),
  );
}
