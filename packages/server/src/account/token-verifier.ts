import type { AccountErrorCode } from '@webrtc-connect/protocol';
import {
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import { ServerError } from '../errors.ts';
import { DEV_ISSUER, type DevSignIn } from './dev-sign-in.ts';
import { type JwtKeySource, KeySourceUnavailable } from './jwt-key-source.ts';
import { MAX_USER_CLAIM_LENGTH, spellUser } from './user-spelling.ts';

/** Who a token says the device belongs to, and the room that makes it. */
export interface VerifiedIdentity {
  /** The user as spelled in ids and room keys (user-spelling.ts): the claim itself when it is safe. */
  user: string;
  /**
   * The room key: the user's spelling, prefixed by where the token came from, so a development
   * sign-in as "alice" never joins the room of the provider's "alice".
   */
  room: string;
  /** The token's `exp`, in seconds since the epoch. */
  expiresAt: number;
}

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
    let issuer: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
      issuer = decodeJwt(token).iss;
    } catch {
      throw new ServerError('ERR_TOKEN_MALFORMED', 'the token is not a JWT');
    }
    const dev = this.#dev && kid === this.#dev.keyId ? this.#dev : undefined;
    // A development token of another key (another instance, a restart) is not ours, whatever
    // its algorithm: checking it against the provider's key would only confuse the answer.
    const check =
      dev || issuer === DEV_ISSUER ? dev && devCheck(dev) : this.#jwt && jwtCheck(this.#jwt);
    if (!check) {
      throw new ServerError('ERR_TOKEN_SIGNATURE', 'the token was not signed by this server');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, check.key, {
        ...check.options,
        currentDate: new Date(this.#clock()),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw tokenError(error);
    }
    const user = spellUser(userOf(payload, dev ? 'sub' : (this.#jwt?.userClaim ?? 'sub')));
    return { user, room: `${dev ? 'dev' : 'jwt'}:${user}`, expiresAt: payload.exp ?? 0 };
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The claim naming the user: any non-empty string (or whole number) a provider issues. */
function userOf(payload: JWTPayload, claim: string): string {
  const value = payload[claim];
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || text === '') {
    throw new ServerError('ERR_TOKEN_SUBJECT', `the token has no ${claim} claim naming the user`);
  }
  // A lone surrogate has no UTF-8 of its own: two such values could share a spelling.
  if (text.length > MAX_USER_CLAIM_LENGTH || LONE_SURROGATE.test(text)) {
    throw new ServerError(
      'ERR_TOKEN_SUBJECT',
      `the token’s ${claim} is longer than ${MAX_USER_CLAIM_LENGTH} characters or not well-formed text`,
    );
  }
  return text;
}

interface Check {
  key: JwtKeySource['key'];
  options: JWTVerifyOptions;
}

function devCheck(dev: DevSignIn): Check {
  return {
    key: dev.publicKey,
    options: { algorithms: [dev.algorithm], issuer: dev.issuer, audience: dev.audience },
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
