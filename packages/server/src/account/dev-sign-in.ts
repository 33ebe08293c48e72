import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import {
  ACCOUNT_PATHS,
  DEV_TOKEN_TTL_SECONDS,
  type DevSignInRequest,
  type DevSignInResponse,
  devSignInSchema,
} from '@webrtc-connect/protocol';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';

const ISSUER = 'webrtc-connect:dev-sign-in';
const AUDIENCE = 'webrtc-connect';

/**
 * Development sign-in: a name in, a token out, signed by an Ed25519 key made at start and
 * forgotten at exit. Anyone can be anyone, so it is off unless asked for. Its users live in
 * rooms of their own, apart from users of the configured identity provider with the same name.
 */
export class DevSignIn {
  /** Names this key in token headers, so the verifier knows which tokens are ours. */
  readonly keyId = randomBytes(9).toString('base64url');
  readonly #privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly issuer = ISSUER;
  readonly audience = AUDIENCE;
  readonly #clock: () => number;

  constructor(clock: () => number) {
    const pair = generateKeyPairSync('ed25519');
    this.#privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.#clock = clock;
  }

  async issue(name: string): Promise<DevSignInResponse> {
    const now = Math.floor(this.#clock() / 1000);
    const expiresAt = now + DEV_TOKEN_TTL_SECONDS;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: this.keyId, typ: 'JWT' })
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
