import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from './serve-process.ts';

/** panva's oidc-provider as an identity provider on loopback, for one public client. */
export interface OidcProviderServer {
  issuer: string;
  clientId: string;
  stop(): Promise<void>;
}

/**
 * An OpenID Connect provider on a free loopback port: one public client (authorization code,
 * PKCE, refresh tokens) redirecting to `redirectUri`; its development login page takes any
 * login as the user's `sub`; RS256 id_tokens from a key of its own, living `idTokenSeconds`.
 */
export async function startOidcProvider(options: {
  redirectUri: string;
  idTokenSeconds?: number;
}): Promise<OidcProviderServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'webrtc-connect-web';
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: 'provider-key-1',
    use: 'sig',
    alg: 'RS256',
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    features: { devInteractions: { enabled: true } },
    findAccount: async (_context, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    issueRefreshToken: () => true,
    // The web app calls the token endpoint from its own origin.
    clientBasedCORS: () => true,
    pkce: { required: () => true },
    ttl: {
      IdToken: options.idTokenSeconds ?? 3_600,
      AccessToken: 3_600,
      RefreshToken: 86_400,
      Grant: 86_400,
      Interaction: 600,
      Session: 86_400,
    },
  });
  const server = await new Promise<Server>((resolve) => {
    const listening: Server = provider.listen(port, '127.0.0.1', () => resolve(listening));
  });
  return {
    issuer,
    clientId,
    async stop() {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}
