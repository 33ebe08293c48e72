import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { freePort } from './serve-process.ts';

/** panva's oidc-provider as an identity provider on loopback, for one public client. */
export interface OidcProviderServer {
  issuer: string;
  clientId: string;
  /** Stops answering (an outage); `start` brings it back with the same key and sessions. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * A hard rotation: a new signing key, and the old one gone from its JWKS at once. Its
   * sessions, grants and refresh tokens survive (a restart of the provider on the same store).
   */
  rotateKey(): Promise<void>;
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
  // One store for every provider made here: a rotation restarts the provider, not its users.
  const adapter = createMemoryAdapter();
  let keys = 0;
  let server: Server | undefined;
  const start = async (newKey: boolean) => {
    if (newKey) keys += 1;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = {
      ...privateKey.export({ format: 'jwk' }),
      kid: `provider-key-${keys}`,
      use: 'sig',
      alg: 'RS256',
    };
    current = newKey || !current ? jwk : current;
    const provider = new Provider(issuer, {
      adapter,
      clients: [
        {
          client_id: clientId,
          token_endpoint_auth_method: 'none',
          redirect_uris: [options.redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [current] },
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
    server = await new Promise<Server>((resolve) => {
      const listening: Server = provider.listen(port, '127.0.0.1', () => resolve(listening));
    });
  };
  let current: Record<string, unknown> | undefined;
  const stop = async () => {
    const running = server;
    server = undefined;
    running?.closeAllConnections();
    if (running) await new Promise((done) => running.close(done));
  };
  await start(true);
  return {
    issuer,
    clientId,
    stop,
    start: () => start(false),
    async rotateKey() {
      await stop();
      await start(true);
    },
  };
}
