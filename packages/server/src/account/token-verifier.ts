import { type AccountErrorCode, USER_NAME_PATTERN } from '@webrtc-connect/protocol';
import { decodeProtectedHeader, type JWTPayload, type JWTVerifyOptions, jwtVerify } from 'jose';
import { ServerError } from '../errors.ts';
import type { DevSignIn } from './dev-sign-in.ts';
import { type JwtKeySource, KeySourceUnavailable } from './jwt-key-source.ts';

/** Who a token says the device belongs to, and the room that makes it. */
export interface VerifiedIdentity {
  user: string;
  /**
   * The room key: the user name, prefixed by where the token came from, so a development
   * sign-in as "alice" never joins the room of the provider's "alice".
   */
  room: string;
}

const USER_NAME = new RegExp(USER_NAME_PATTERN);

/** Checks hello tokens against the configured key source and the development key, if any. */
export class TokenVerifier {
  readonly #jwt: JwtKeySource | undefined;
  readonly #dev: DevSignIn | undefined;
  readonly #clock: () => number;

  constructor(jwt: JwtKeySource | undefined, dev: DevSignIn | undefined, clock: () => number) {
    this.#jwt = jwt;
    this.#dev = dev;
    this.#clock = clock;
  }

  /** The token's identity, or a ServerError whose code says what is wrong with it. */
  async verify(token: string): Promise<VerifiedIdentity> {
    if (!this.#jwt && !this.#dev) {
      throw new ServerError('ERR_ACCOUNTS_DISABLED', 'this server has no sign-in configured');
    }
    if (token === '') throw new ServerError('ERR_TOKEN_MISSING', 'the hello has no token');
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw new ServerError('ERR_TOKEN_MALFORMED', 'the token is not a JWT');
    }
    const dev = this.#dev && kid === this.#dev.keyId ? this.#dev : undefined;
    const check = dev ? devCheck(dev) : this.#jwt && jwtCheck(this.#jwt);
    if (!check) {
      throw new ServerError('ERR_TOKEN_SIGNATURE', 'the token was not signed by this server');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, check.key, {
        ...check.options,
        currentDate: new Date(this.#clock()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw tokenError(error);
    }
    const user = payload.sub;
    if (typeof user !== 'string' || !USER_NAME.test(user)) {
      throw new ServerError(
        'ERR_TOKEN_SUBJECT',
        'the token’s sub is not 1 to 64 characters of A-Z a-z 0-9 _ . -',
      );
    }
    return { user, room: `${dev ? 'dev' : 'jwt'}:${user}` };
  }
}

interface Check {
  key: JwtKeySource['key'];
  options: JWTVerifyOptions;
}

function devCheck(dev: DevSignIn): Check {
  return {
    key: dev.publicKey,
    options: { algorithms: ['EdDSA'], issuer: dev.issuer, audience: dev.audience },
  };
}

function jwtCheck(source: JwtKeySource): Check {
  const options: JWTVerifyOptions = {
    algorithms: source.algorithms,
    clockTolerance: source.clockToleranceSeconds,
  };
  if (source.issuer) options.issuer = source.issuer;
  if (source.audience) options.audience = source.audience;
  return { key: source.key, options };
}

/** jose's failure as our code; the message never quotes the token. */
function tokenError(error: unknown): ServerError {
  if (error instanceof KeySourceUnavailable) {
    return new ServerError('ERR_AUTH_UNAVAILABLE', 'the identity provider’s keys are unreachable', {
      cause: error.cause,
    });
  }
  const { code, claim } = error as { code?: unknown; claim?: unknown };
  const refusal = (ours: AccountErrorCode, message: string) => new ServerError(ours, message);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return refusal('ERR_TOKEN_EXPIRED', 'the token expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      switch (claim) {
        case 'iss':
          return refusal('ERR_TOKEN_ISSUER', 'the token’s issuer is not trusted here');
        case 'aud':
          return refusal('ERR_TOKEN_AUDIENCE', 'the token is meant for another audience');
        case 'nbf':
          return refusal('ERR_TOKEN_NOT_YET_VALID', 'the token is not valid yet');
        case 'sub':
          return refusal('ERR_TOKEN_SUBJECT', 'the token has no sub');
        default:
          return refusal(
            'ERR_TOKEN_CLAIMS',
            `the token’s ${String(claim)} claim is missing or wrong`,
          );
      }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return refusal('ERR_TOKEN_SIGNATURE', 'the token’s signature does not verify');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return refusal('ERR_TOKEN_ALGORITHM', 'the token’s algorithm is not accepted here');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return refusal('ERR_TOKEN_MALFORMED', 'the token is not a well-formed JWT');
  }
  // jose throws TypeErrors when a key does not fit the algorithm: pinning makes that rare.
  return refusal('ERR_TOKEN_ALGORITHM', 'the token’s algorithm does not fit the server’s key');
}
