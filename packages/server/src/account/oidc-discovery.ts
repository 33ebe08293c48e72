import { ServerError } from '../errors.ts';

/** The OpenID Connect provider the web app signs people in with (a public client, PKCE). */
export interface OidcOptions {
  /** The provider's issuer, e.g. `https://example.eu.auth0.com/`: tokens' `iss`, and where its metadata is. */
  issuer: string;
  /** The web app's client id at the provider: the audience of its id_tokens. */
  clientId: string;
  /** What the sign-in button names the provider ("Sign in with …"); default its host name. */
  name?: string;
  /** The scopes asked for (default `openid offline_access`: refresh tokens give fresh id_tokens). */
  scope?: string;
}

/** What `GET /api/sign-in` tells the web app. */
export interface OidcClientConfig {
  issuer: string;
  clientId: string;
  name: string;
  scope: string;
}

export function resolveOidc(options: OidcOptions): OidcClientConfig {
  const issuer = secureUrl('oidc.issuer', options.issuer);
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw invalid('oidc.clientId must be the web app’s client id at the provider');
  }
  return {
    issuer: options.issuer,
    clientId: options.clientId,
    name: options.name || issuer.hostname,
    scope: options.scope || 'openid offline_access',
  };
}

/**
 * The origins the web app talks to for a sign-in: the issuer's, for the Content-Security-Policy
 * (`connect-src`: metadata, token endpoint, keys). Providers whose endpoints live elsewhere
 * (Google's token endpoint is oauth2.googleapis.com) need those origins added too.
 */
export function oidcOrigins(options: OidcOptions | undefined): string[] {
  return options === undefined ? [] : [new URL(options.issuer).origin];
}

/**
 * Finds the provider's `jwks_uri` in its metadata (`<issuer>/.well-known/openid-configuration`),
 * checking that the metadata names the same issuer; once found, kept.
 */
export function discoverJwksUrl(issuer: string): () => Promise<URL> {
  let found: URL | undefined;
  return async () => {
    if (found) return found;
    const metadataUrl = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(metadataUrl, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`the provider's metadata answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (metadata.issuer !== issuer) throw new Error('the provider’s metadata names another issuer');
    if (typeof metadata.jwks_uri !== 'string') throw new Error('the metadata has no jwks_uri');
    found = secureUrl('jwks_uri', metadata.jwks_uri);
    return found;
  };
}

/** An https URL, or http on this machine (keys fetched in the clear could be swapped). */
export function secureUrl(name: string, text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url?.hostname ?? '');
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw invalid(`${name} must be an https URL (or http on localhost)`);
  }
  return url;
}

function invalid(message: string): ServerError {
  return new ServerError('ERR_INVALID_CONFIG', message);
}
