import {
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose';

/** How long fetched keys are used before they are fetched again (Cache-Control aside). */
export const DEFAULT_KEYS_MAX_AGE_MS = 10 * 60_000;
/** The least time between two fetches, however many tokens name unknown keys. */
export const DEFAULT_KEYS_COOLDOWN_MS = 5_000;
/** How long the last keys stay in use past their age while the provider cannot be reached. */
export const DEFAULT_KEYS_OUTAGE_GRACE_MS = 24 * 60 * 60_000;

/** Thrown when the provider's keys cannot be fetched and none usable are left: not the token's fault. */
export class KeySourceUnavailable extends Error {
  override readonly name = 'KeySourceUnavailable';
}

export interface ProviderKeysOptions {
  maxAgeMs: number;
  cooldownMs: number;
  outageGraceMs: number;
  /** One fetch may take this long. */
  timeoutMs: number;
  clock: () => number;
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** A JWKS larger than this is not one (providers publish a few keys, a few KiB). */
const MAX_JWKS_BYTES = 256 * 1024;

/**
 * An identity provider's keys (its JWKS), fetched on first use and kept for `maxAgeMs`.
 *
 * - A token whose key id is not among them makes the keys be fetched again at once: the
 *   provider has rotated. Fetches are at least `cooldownMs` apart, and every token waiting for
 *   one shares it, so a flood of unknown key ids costs the provider one fetch a cooldown and
 *   never blocks a genuine new key for longer than that.
 * - Keys past their age are fetched again in the background while still in use; when the
 *   provider cannot be reached, the last keys stay in use for `outageGraceMs` more (and the
 *   fetch is tried again every cooldown). After that, or with no keys yet, tokens are refused
 *   as `ERR_AUTH_UNAVAILABLE`.
 */
export class ProviderKeys {
  readonly #jwksUrl: () => Promise<URL>;
  readonly #options: ProviderKeysOptions;
  #keys: KeySet | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  /** The next fetch, scheduled or running: every caller waiting for keys shares it. */
  #next: Promise<boolean> | undefined;
  /** Fetches made so far (successful or not). */
  fetches = 0;

  /** `jwksUrl`: the JWKS's address, or what finds it (OpenID Connect discovery). */
  constructor(jwksUrl: URL | (() => Promise<URL>), options: ProviderKeysOptions) {
    this.#jwksUrl = jwksUrl instanceof URL ? async () => jwksUrl : jwksUrl;
    this.#options = options;
  }

  /** For `jwtVerify`: the key the token's header names. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const { maxAgeMs, outageGraceMs, clock } = this.#options;
    const age = clock() - this.#fetchedAt;
    if (!this.#keys || age >= maxAgeMs + outageGraceMs) {
      if (!(await this.#fetchSoon()) && !this.#usable()) throw this.#unavailable();
    } else if (age >= maxAgeMs) {
      void this.#fetchSoon();
    }
    try {
      return await this.#lookUp(header, token);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
    }
    // Not among the keys we have: the provider may have rotated since we fetched.
    if (!(await this.#fetchSoon())) throw this.#unavailable();
    return this.#lookUp(header, token);
  };

  #lookUp(header: JWSHeaderParameters, token: FlattenedJWSInput) {
    if (!this.#keys) throw this.#unavailable();
    return this.#keys(header, token);
  }

  #usable(): boolean {
    const { maxAgeMs, outageGraceMs, clock } = this.#options;
    return this.#keys !== undefined && clock() - this.#fetchedAt < maxAgeMs + outageGraceMs;
  }

  #unavailable(): KeySourceUnavailable {
    return new KeySourceUnavailable('the identity provider’s keys could not be fetched');
  }

  /**
   * A fetch that starts now or, within the cooldown of the last one, when the cooldown ends;
   * shared by every caller until it has started. Resolves true when it got keys.
   */
  #fetchSoon(): Promise<boolean> {
    if (this.#next) return this.#next;
    const wait = Math.max(0, this.#attemptedAt + this.#options.cooldownMs - this.#options.clock());
    const next = delay(wait)
      .then(() => {
        // Callers arriving from here on wait for the fetch after this one: the keys this one
        // brings may predate their tokens.
        if (this.#next === next) this.#next = undefined;
        return this.#fetch();
      })
      .catch(() => false);
    this.#next = next;
    return next;
  }

  async #fetch(): Promise<boolean> {
    this.#attemptedAt = this.#options.clock();
    this.fetches += 1;
    const response = await fetch(await this.#jwksUrl(), {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.#options.timeoutMs),
    });
    if (!response.ok) throw new Error(`the JWKS answered ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error('the JWKS is too large');
    const keys = createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
    this.#keys = keys;
    this.#fetchedAt = this.#options.clock();
    return true;
  }
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
