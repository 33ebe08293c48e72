import { spellUser } from '@webrtc-connect/server';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeJwks, type ProviderKey, providerKey } from '../../../test/harness/fake-jwks.ts';
import { accountServer } from './account-helpers.ts';

/**
 * The README's setup table, row by row: each provider's issuer, audience, user claim, token
 * kind, algorithm and lifetime, played by a JWKS of our own that signs as that provider does,
 * then rotates its key (the old one gone) and lets the token expire.
 */
interface ProviderRow {
  provider: string;
  issuer: string;
  audience: string;
  userClaim: string;
  claims: Record<string, string>;
  alg: ProviderKey['alg'];
  lifetimeSeconds: number;
}

const ROWS: ProviderRow[] = [
  {
    provider: 'Auth0 (id_token)',
    issuer: 'https://example.eu.auth0.com/',
    audience: 'Xb3kZ9qLr2TnV7wP1mYc4dF6hJ8sA0eR',
    userClaim: 'sub',
    claims: { sub: 'auth0|64f1c2a9e1b0c3d4e5f60718' },
    alg: 'RS256',
    lifetimeSeconds: 36_000,
  },
  {
    provider: 'Auth0, Google connection (access token for an API)',
    issuer: 'https://example.eu.auth0.com/',
    audience: 'https://connect.example.com/api',
    userClaim: 'sub',
    claims: { sub: 'google-oauth2|109876543210987654321' },
    alg: 'PS256',
    lifetimeSeconds: 86_400,
  },
  {
    provider: 'Keycloak (access token, audience mapper)',
    issuer: 'https://id.example.com/realms/devices',
    audience: 'webrtc-connect',
    userClaim: 'sub',
    claims: { sub: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', preferred_username: 'alice' },
    alg: 'ES256',
    lifetimeSeconds: 300,
  },
  {
    provider: 'Google (id_token)',
    issuer: 'https://accounts.google.com',
    audience: '1234567890-abcdefghijklmnop.apps.googleusercontent.com',
    userClaim: 'sub',
    claims: { sub: '109876543210987654321', email: 'alice@gmail.com' },
    alg: 'RS256',
    lifetimeSeconds: 3_600,
  },
  {
    provider: 'Microsoft Entra ID (id_token, oid)',
    issuer: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0',
    audience: '6731de76-14a6-49ae-97bc-6eba6914391e',
    userClaim: 'oid',
    claims: {
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      oid: '00000000-0000-0000-66f3-3332eca7ea81',
    },
    alg: 'RS256',
    lifetimeSeconds: 3_600,
  },
  {
    provider: 'Okta (access token, custom authorization server)',
    issuer: 'https://example.okta.com/oauth2/default',
    audience: 'api://default',
    userClaim: 'sub',
    claims: { sub: 'alice.smith@example.com', uid: '00u1a2b3c4D5e6F7g8h9' },
    alg: 'RS256',
    lifetimeSeconds: 3_600,
  },
];

let jwks = new FakeJwks();
afterEach(async () => {
  await jwks.stop();
  jwks = new FakeJwks();
});

describe('the identity providers of the setup table', () => {
  for (const row of ROWS) {
    it(`${row.provider}: joins as its user, through a key rotation, until the token expires`, async () => {
      let key = await providerKey('2026-a', row.alg);
      jwks.keys = [key];
      await jwks.start();
      let now = Date.now();
      const server = await accountServer({
        clock: () => now,
        jwt: {
          jwksUrl: jwks.url,
          issuer: row.issuer,
          audience: row.audience,
          algorithms: [row.alg],
          userClaim: row.userClaim,
          keysCooldownMs: 0,
        },
      });
      const issued = Math.floor(now / 1000);
      const token = () =>
        new SignJWT(row.claims)
          .setProtectedHeader({ alg: row.alg, kid: key.kid, typ: 'JWT' })
          .setIssuer(row.issuer)
          .setAudience(row.audience)
          .setIssuedAt(issued)
          .setExpirationTime(issued + row.lifetimeSeconds)
          .sign(key.privateKey);
      const user = spellUser(row.claims[row.userClaim] ?? '');
      expect((await server.join(await token())).welcome?.user).toBe(user);
      // The provider rotates: the old key is gone, the new one signs.
      key = await providerKey('2026-b', row.alg);
      jwks.keys = [key];
      const second = await server.join(await token());
      expect(second.welcome?.members.map((member) => member.id)).toEqual([
        `${user}-client-1`,
        `${user}-client-2`,
      ]);
      // Past its lifetime and the 30 s leeway, the same token is refused as expired.
      now += (row.lifetimeSeconds + 31) * 1_000;
      const late = await server.open();
      late.send({ type: 'hello', version: 1, token: await token() });
      await late.error('ERR_TOKEN_EXPIRED');
    }, 20_000);
  }
});
