import type { JWK } from 'jose';

/** Where account tokens come from and what they must say. Give exactly one key source. */
export interface JwtOptions {
  /** An identity provider's JWKS (OpenID Connect `jwks_uri`); needs `issuer` and `audience`. */
  jwksUrl?: string;
  /** A public key as PEM (SPKI) text or a JWK. */
  publicKey?: string | JWK;
  /** A shared HMAC secret, at least 32 bytes. */
  secret?: string | Uint8Array;
  /** Accepted `iss` values; checked when given (always, with a JWKS URL). */
  issuer?: string | string[];
  /** Accepted `aud` values; checked when given (always, with a JWKS URL). */
  audience?: string | string[];
  /**
   * Accepted `alg` values, all of the key source's kind: default RS256 for a JWKS URL, the key's
   * own algorithm for a public key, HS256 for a secret. Never `none`.
   */
  algorithms?: string[];
  /**
   * The claim that names the user (default `sub`): any string value, e.g. Auth0's
   * `auth0|64f1c2` or an e-mail; ids and room keys use a safe spelling of it (README, "Users").
   */
  userClaim?: string;
  /**
   * With a JWKS URL: how long fetched keys are used before they are fetched again (default
   * 10 minutes). A token naming an unknown key id makes them be fetched at once anyway.
   */
  keysMaxAgeMs?: number;
  /**
   * With a JWKS URL: the least time between two fetches of the keys (default 5 s), so that
   * tokens naming unknown key ids cannot make the server hammer the provider; a token signed
   * with a newly published key waits at most this long.
   */
  keysCooldownMs?: number;
  /**
   * With a JWKS URL: how long past their age the last keys stay in use while the provider
   * cannot be reached (default 24 hours); after that, hellos get ERR_AUTH_UNAVAILABLE.
   */
  keysOutageGraceMs?: number;
  /** Leeway for `exp` and `nbf`, in seconds (default 30). */
  clockToleranceSeconds?: number;
}
