import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK, JWTVerifyGetKey } from 'jose';
import { ServerError } from '../errors.ts';
import { checkWholeNumber } from '../whole-number.ts';
import type { JwtOptions } from './jwt-options.ts';
import { discoverJwksUrl, secureUrl } from './oidc-discovery.ts';
import {
  DEFAULT_KEYS_COOLDOWN_MS,
  DEFAULT_KEYS_MAX_AGE_MS,
  DEFAULT_KEYS_OUTAGE_GRACE_MS,
  KeySourceUnavailable,
  ProviderKeys,
} from './provider-keys.ts';

export { KeySourceUnavailable };

/**
 * A configured key source, ready for `jwtVerify`: the key (or the JWKS resolver) and the
 * options that pin what a token must be. Algorithms are pinned to the key's own kind, so an
 * HMAC token can never be checked against a public key (the classic key confusion) or the
 * reverse, and `none` is never among them.
 */
export interface JwtKeySource {
  kind: 'jwks' | 'public-key' | 'secret';
  key: KeyObject | JWTVerifyGetKey;
  /** With a secret: its bytes, from which the development sign-in derives its own key. */
  sharedSecret?: Uint8Array;
  /** With a JWKS URL: the provider's keys, fetched and kept. */
  providerKeys?: ProviderKeys;
  algorithms: string[];
  issuer: string[] | undefined;
  audience: string[] | undefined;
  /** The claim naming the user. */
  userClaim: string;
  clockToleranceSeconds: number;
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const RSA_PSS = ['PS256', 'PS384', 'PS512'];
const EC: Readonly<Record<string, string>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};
const ED25519 = ['EdDSA', 'Ed25519'];
const ASYMMETRIC = [...RSA, ...Object.values(EC), ...ED25519];
/** RFC 7518: an HMAC key at least as long as the hash; HS256 is the floor. */
const MIN_SECRET_BYTES = 32;

export function resolveJwtKeySource(
  options: JwtOptions,
  clock: () => number = Date.now,
  discoverFrom?: string,
): JwtKeySource {
  const given = (['jwksUrl', 'publicKey', 'secret'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (given.length !== 1 && !(given.length === 0 && discoverFrom !== undefined)) {
    throw invalid(
      `jwt needs exactly one key source (a JWKS URL, a public key or a secret), not ${given.length === 0 ? 'none' : given.join(' and ')}`,
    );
  }
  const common = {
    issuer: list('jwt.issuer', options.issuer),
    audience: list('jwt.audience', options.audience),
    userClaim: options.userClaim ?? 'sub',
    clockToleranceSeconds: options.clockToleranceSeconds ?? 30,
  };
  if (typeof common.userClaim !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(common.userClaim)) {
    throw invalid('jwt.userClaim must be a claim name (1 to 64 printable ASCII characters)');
  }
  const tolerance = common.clockToleranceSeconds;
  if (!Number.isSafeInteger(tolerance) || tolerance < 0 || tolerance > 3600) {
    throw invalid('jwt.clockToleranceSeconds must be a whole number from 0 to 3600');
  }
  if (options.jwksUrl !== undefined || discoverFrom !== undefined) {
    const url =
      options.jwksUrl === undefined
        ? discoverJwksUrl(discoverFrom ?? '')
        : secureUrl('jwt.jwksUrl', options.jwksUrl);
    // A provider signs tokens for many applications: without these, theirs would open ours.
    if (!common.issuer || !common.audience) {
      throw invalid('a JWKS URL needs jwt.issuer and jwt.audience, so other apps’ tokens fail');
    }
    const providerKeys = new ProviderKeys(url, {
      maxAgeMs: whole('jwt.keysMaxAgeMs', options.keysMaxAgeMs, DEFAULT_KEYS_MAX_AGE_MS, 1_000),
      cooldownMs: whole('jwt.keysCooldownMs', options.keysCooldownMs, DEFAULT_KEYS_COOLDOWN_MS, 0),
      outageGraceMs: whole(
        'jwt.keysOutageGraceMs',
        options.keysOutageGraceMs,
        DEFAULT_KEYS_OUTAGE_GRACE_MS,
        0,
      ),
      timeoutMs: 5_000,
      clock,
    });
    return {
      kind: 'jwks',
      key: providerKeys.getKey,
      providerKeys,
      algorithms: pin(options.algorithms, ASYMMETRIC, ['RS256']),
      ...common,
    };
  }
  if (options.publicKey !== undefined) {
    const key = publicKeyOf(options.publicKey);
    const own = algorithmsOf(key);
    return { kind: 'public-key', key, algorithms: pin(options.algorithms, own, own), ...common };
  }
  const secret =
    typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
  if (!(secret instanceof Uint8Array) || secret.byteLength < MIN_SECRET_BYTES) {
    throw invalid(`jwt.secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const key = createSecretKey(secret);
  return {
    kind: 'secret',
    key,
    sharedSecret: secret,
    algorithms: pin(options.algorithms, HMAC, ['HS256']),
    ...common,
  };
}

function publicKeyOf(input: string | JWK): KeyObject {
  // A private key would work (its public half), but means a secret was put where it does not belong.
  const isPrivate =
    typeof input === 'string' ? /PRIVATE KEY/.test(input) : 'd' in input || input.kty === 'oct';
  if (isPrivate) throw invalid('jwt.publicKey must be a public key (SPKI PEM or public JWK)');
  try {
    return typeof input === 'string'
      ? createPublicKey(input)
      : createPublicKey({ key: input as JsonWebKey, format: 'jwk' });
  } catch (error) {
    throw invalid('jwt.publicKey is not a readable public key (SPKI PEM or JWK)', error);
  }
}

/** The algorithms a public key can verify. */
function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return RSA;
    case 'rsa-pss':
      return RSA_PSS;
    case 'ec': {
      const alg = EC[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (alg) return [alg];
      break;
    }
    case 'ed25519':
      return ED25519;
  }
  throw invalid(`jwt.publicKey: ${key.asymmetricKeyType ?? 'this'} keys are not supported`);
}

/** `wanted` (or `fallback`) after checking every entry is one the key source can verify. */
function pin(wanted: string[] | undefined, possible: string[], fallback: string[]): string[] {
  if (wanted === undefined) return possible.filter((alg) => fallback.includes(alg));
  if (wanted.length === 0) throw invalid('jwt.algorithms must name at least one algorithm');
  for (const alg of wanted) {
    if (!possible.includes(alg)) {
      throw invalid(
        `jwt.algorithms: ${alg} cannot be used with this key source (${possible.join(', ')})`,
      );
    }
  }
  return [...new Set(wanted)];
}

/** A whole number of milliseconds from `min` to 30 days, or the default. */
function whole(name: string, value: number | undefined, fallback: number, min: number): number {
  return checkWholeNumber(
    name,
    value ?? fallback,
    min,
    30 * 24 * 3_600_000,
    `of milliseconds from ${min} to 30 days`,
  );
}

function list(name: string, value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const values = typeof value === 'string' ? [value] : value;
  if (values.length === 0 || values.some((item) => typeof item !== 'string' || item === '')) {
    throw invalid(`${name} must be a non-empty string or list of them`);
  }
  return values;
}

function invalid(message: string, cause?: unknown): ServerError {
  return new ServerError('ERR_INVALID_CONFIG', message, cause === undefined ? {} : { cause });
}
