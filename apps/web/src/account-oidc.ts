import type { SignInOptionsResponse } from '@webrtc-connect/protocol';
import * as oauth from 'oauth4webapi';
import type { AccountTokenRequest } from 'webrtc-connect/account';

/**
 * "Sign in with <provider>": the authorization code flow with PKCE, run in the browser by
 * oauth4webapi against the provider the server names (`GET /api/sign-in`), as a public client.
 * The provider answers in the fragment (`response_mode=fragment`), so neither the code nor any
 * token ever reaches a URL the server sees. The id_token is checked here (issuer, audience,
 * expiry, nonce, and at sign-in its signature against the provider's keys) and then at every
 * join by the server. A refresh token (scope `offline_access`) gives fresh id_tokens for every join again.
 */
export type OidcConfig = NonNullable<SignInOptionsResponse['oidc']>;

/** What a sign-in leaves in this device's storage. */
interface OidcSession {
  idToken: string;
  /** When the id_token expires, in ms. */
  expiresAt: number;
  refreshToken?: string;
}

const SESSION_KEY = 'webrtc-connect:oidc-session';
/** The flow in progress, across the trip to the provider: one tab's, so sessionStorage. */
const PENDING_KEY = 'webrtc-connect:oidc-pending';
/** A token expiring sooner than this is refreshed before a join rather than sent. */
const FRESH_FOR_MS = 60_000;

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  redirectUri: string;
}

function clientOf(config: OidcConfig): oauth.Client {
  return { client_id: config.clientId };
}

/** Plain http only for a provider on this machine (development, tests). */
function requestOptions(config: OidcConfig) {
  const { hostname, protocol } = new URL(config.issuer);
  const local = protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
  return local ? { [oauth.allowInsecureRequests]: true } : {};
}

async function discover(config: OidcConfig): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(config.issuer);
  const response = await oauth.discoveryRequest(issuer, {
    algorithm: 'oidc',
    ...requestOptions(config),
  });
  return oauth.processDiscoveryResponse(issuer, response);
}

/** Leaves for the provider's login page; the page comes back with the code in its fragment. */
export async function startOidcSignIn(config: OidcConfig): Promise<void> {
  const as = await discover(config);
  if (!as.authorization_endpoint) throw new Error('The provider has no authorization endpoint.');
  const pending: Pending = {
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    redirectUri: `${location.origin}${location.pathname}`,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    redirect_uri: pending.redirectUri,
    response_type: 'code',
    response_mode: 'fragment',
    scope: config.scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
    // Refresh tokens need consent at most providers.
    ...(config.scope.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
  }).toString();
  location.assign(url.href);
}

/** Whether this page is the provider's answer to a sign-in this tab started. */
export function isOidcCallback(hash: string): boolean {
  if (!sessionStorage.getItem(PENDING_KEY)) return false;
  const parameters = new URLSearchParams(hash.slice(1));
  return parameters.has('state') && (parameters.has('code') || parameters.has('error'));
}

/** Ends the flow: the code for tokens, checked; the address loses the code. */
export async function finishOidcSignIn(config: OidcConfig): Promise<void> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as Pending | null;
  const parameters = new URLSearchParams(location.hash.slice(1));
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', `${location.pathname}${location.search}#account`);
  if (!pending) throw new Error('This sign-in was not started here. Sign in again.');
  const as = await discover(config);
  const client = clientOf(config);
  const callback = oauth.validateAuthResponse(as, client, parameters, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    callback,
    pending.redirectUri,
    pending.verifier,
    requestOptions(config),
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  // The claims are checked above; the signature too, against the provider's keys.
  await oauth.validateApplicationLevelSignature(as, response, requestOptions(config));
  keep(tokens);
}

/** The sign-in this device remembers, if any. */
export function hasOidcSession(): boolean {
  return readSession() !== null;
}

export function forgetOidcSession(): void {
  try {
    localStorage.removeItem(SESSION_KEY);
  } catch {
    // Nothing was stored.
  }
}

/**
 * The token function for `joinAccount`: the id_token while it is fresh, else a new one from the
 * refresh token; with neither, the person signs in again.
 */
export function oidcTokenFunction(
  config: OidcConfig,
): (request: AccountTokenRequest) => Promise<string> {
  return async ({ refused }) => {
    const session = readSession();
    if (!session) throw new Error('Not signed in.');
    // A token the server refused (a key the provider has dropped) is refreshed, fresh or not.
    if (!refused && session.expiresAt - Date.now() > FRESH_FOR_MS) return session.idToken;
    if (!session.refreshToken) throw new Error('Your sign-in has expired. Sign in again.');
    const as = await discover(config);
    const client = clientOf(config);
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      session.refreshToken,
      requestOptions(config),
    );
    // Its claims are checked here; its signature by the server at the join (oauth4webapi
    // checks signatures of code responses only, and this came straight from the provider).
    const tokens = await oauth.processRefreshTokenResponse(as, client, response);
    keep(tokens, session.refreshToken);
    const fresh = readSession();
    if (!fresh || fresh.expiresAt <= Date.now())
      throw new Error('The provider gave no fresh token.');
    return fresh.idToken;
  };
}

function keep(tokens: oauth.TokenEndpointResponse, previousRefresh?: string): void {
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  if (!tokens.id_token || !claims) throw new Error('The provider sent no id_token.');
  const session: OidcSession = { idToken: tokens.id_token, expiresAt: claims.exp * 1000 };
  const refreshToken = tokens.refresh_token ?? previousRefresh;
  if (refreshToken) session.refreshToken = refreshToken;
  try {
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  } catch {
    // Storage off: the sign-in cannot be kept, and joining fails plainly.
  }
}

function readSession(): OidcSession | null {
  try {
    const session = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as OidcSession | null;
    return session && typeof session.idToken === 'string' ? session : null;
  } catch {
    return null;
  }
}
