import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { signInAtProvider } from '../../../test/harness/oidc-code-flow.ts';
import {
  type OidcProviderOptions,
  type OidcProviderServer,
  startOidcProvider,
} from '../../../test/harness/oidc-provider-server.ts';
import { accountServer } from './account-helpers.ts';

/**
 * The README's setup table, row by row, against a real OpenID Connect provider (panva's
 * oidc-provider) configured as that provider is: its issuer's form (on a loopback origin, the
 * path kept), the client id or API as audience, the user's claim, the kind of token, the
 * algorithm and the lifetime. A token is got as a browser gets one (authorization code with
 * PKCE, its login and consent forms posted); the server configured as the README says lets the
 * device in as that user; the provider rotates its key hard (a new kid, the old key gone from
 * its JWKS) and its next token gets in with no restart; past its lifetime the token is refused.
 * The lifetimes are the providers' own: the server's clock is moved on, not the tokens made short.
 */
interface ProviderRow {
  provider: string;
  issuerPath: string;
  audience: string;
  token: 'id_token' | 'access token';
  /** For an access token: the resource indicator asked for (default the audience). */
  resource?: string;
  alg: NonNullable<OidcProviderOptions['alg']>;
  lifetimeSeconds: number;
  /** The login at the provider: its `sub`. */
  sub: string;
  userClaims?: Record<string, string>;
  userClaim: string;
  /** The README's spelling of the user in ids and room keys. */
  user: string;
}

const ROWS: ProviderRow[] = [
  {
    provider: 'Auth0 (id_token)',
    issuerPath: '/',
    audience: 'Xb3kZ9qLr2TnV7wP1mYc4dF6hJ8sA0eR',
    token: 'id_token',
    alg: 'RS256',
    lifetimeSeconds: 36_000,
    sub: 'auth0|64f1c2a9e1b0c3d4e5f60718',
    userClaim: 'sub',
    user: 'auth0%7C64f1c2a9e1b0c3d4e5f60718',
  },
  {
    provider: 'Auth0, Google connection (access token for an API)',
    issuerPath: '/',
    audience: 'https://connect.example.com/api',
    token: 'access token',
    alg: 'PS256',
    lifetimeSeconds: 86_400,
    sub: 'google-oauth2|109876543210987654321',
    userClaim: 'sub',
    user: 'google-oauth2%7C109876543210987654321',
  },
  {
    provider: 'Keycloak (access token, audience mapper)',
    issuerPath: '/realms/devices',
    audience: 'webrtc-connect',
    token: 'access token',
    // Keycloak's audience mapper puts the client id in `aud`: here, an API whose audience it is.
    resource: 'urn:webrtc-connect:api',
    alg: 'ES256',
    lifetimeSeconds: 300,
    sub: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    userClaim: 'sub',
    user: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  },
  {
    provider: 'Google (id_token)',
    issuerPath: '',
    audience: '1234567890-abcdefghijklmnop.apps.googleusercontent.com',
    token: 'id_token',
    alg: 'RS256',
    lifetimeSeconds: 3_600,
    sub: '109876543210987654321',
    userClaims: { email: 'alice@gmail.com' },
    userClaim: 'sub',
    user: '109876543210987654321',
  },
  {
    provider: 'Microsoft Entra ID (id_token, oid)',
    issuerPath: '/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0',
    audience: '6731de76-14a6-49ae-97bc-6eba6914391e',
    token: 'id_token',
    alg: 'RS256',
    lifetimeSeconds: 3_600,
    // `sub` differs per application; `oid` is the person across them.
    sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
    userClaims: { oid: '00000000-0000-0000-66f3-3332eca7ea81' },
    userClaim: 'oid',
    user: '00000000-0000-0000-66f3-3332eca7ea81',
  },
  {
    provider: 'Okta (access token, custom authorization server)',
    issuerPath: '/oauth2/default',
    audience: 'api://default',
    token: 'access token',
    alg: 'RS256',
    lifetimeSeconds: 3_600,
    sub: 'alice.smith@example.com',
    userClaim: 'sub',
    user: 'alice.smith%40example.com',
  },
];

let provider: OidcProviderServer | undefined;
afterEach(async () => {
  await provider?.stop();
  provider = undefined;
});

describe('the identity providers of the setup table, against a real OpenID Connect provider', () => {
  for (const row of ROWS) {
    it(`${row.provider}: joins as its user, through a hard key rotation, until the token expires`, async () => {
      const api =
        row.token === 'access token'
          ? { resource: row.resource ?? row.audience, audience: row.audience }
          : undefined;
      const started = await startOidcProvider({
        redirectUri: 'http://127.0.0.1:9/signed-in',
        issuerPath: row.issuerPath,
        ...(api ? { api } : { clientId: row.audience }),
        alg: row.alg,
        idTokenSeconds: row.lifetimeSeconds,
        accessTokenSeconds: row.lifetimeSeconds,
        ...(row.userClaims ? { userClaims: row.userClaims } : {}),
      });
      provider = started;
      // The issuer as the provider spells it: Auth0's trailing slash, the realm's path, …
      expect(new URL(started.issuer).pathname).toBe(row.issuerPath || '/');
      expect(started.issuer.endsWith('/')).toBe(row.issuerPath.endsWith('/'));
      const metadata = (await (
        await fetch(`${started.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
      ).json()) as { issuer: string; jwks_uri: string };
      expect(metadata.issuer).toBe(started.issuer);
      const signIn = async () => {
        const tokens = await signInAtProvider(started, row.sub, api?.resource);
        return api ? tokens.accessToken : tokens.idToken;
      };
      let now = Date.now();
      // An id_token is the web app's (`--oidc-issuer`, `--oidc-client-id`: keys by discovery
      // at the issuer as spelled); an access token is an API's (`--jwt-jwks-url`, `--jwt-audience`).
      const keys = { algorithms: [row.alg], userClaim: row.userClaim, keysCooldownMs: 0 };
      const server = await accountServer({
        clock: () => now,
        ...(api
          ? {
              jwt: {
                jwksUrl: metadata.jwks_uri,
                issuer: started.issuer,
                audience: row.audience,
                ...keys,
              },
            }
          : { oidc: { issuer: started.issuer, clientId: row.audience }, jwt: keys }),
      });

      const first = await signIn();
      const header = decodeProtectedHeader(first);
      const claims = decodeJwt(first);
      expect([header.alg, claims.iss, claims.aud, claims.sub]).toEqual([
        row.alg,
        started.issuer,
        row.audience,
        row.sub,
      ]);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(row.lifetimeSeconds);
      expect((await server.join(first)).welcome?.id).toBe(`${row.user}-client-1`);

      // A hard rotation: a new key with a new kid, the old one gone from the JWKS at once.
      await started.rotateKey();
      const published = (await (await fetch(metadata.jwks_uri)).json()) as {
        keys: { kid: string }[];
      };
      const second = await signIn();
      const rotatedKid = decodeProtectedHeader(second).kid;
      expect(rotatedKid).not.toBe(header.kid);
      expect(published.keys.map((key) => key.kid)).toEqual([rotatedKid]);
      const again = await server.join(second);
      expect(again.welcome?.members.map((member) => member.id)).toEqual([
        `${row.user}-client-1`,
        `${row.user}-client-2`,
      ]);
      // The server now holds the new keys only: a token of the dropped key is refused.
      const stale = await server.open();
      stale.send({ type: 'hello', version: 1, token: first });
      await stale.error('ERR_TOKEN_SIGNATURE');

      // Past its lifetime and the 30 s leeway, the token is refused as expired.
      now = ((decodeJwt(second).exp ?? 0) + 31) * 1_000;
      const late = await server.open();
      late.send({ type: 'hello', version: 1, token: second });
      await late.error('ERR_TOKEN_EXPIRED');
    }, 20_000);
  }
});
