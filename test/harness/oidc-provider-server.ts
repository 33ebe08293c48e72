import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { freePort } from './serve-process.ts';

/** panva's oidc-provider as an identity provider on loopback, for one public client. */
export interface OidcProviderServer {
  issuer: string;
  clientId: string;
  redirectUri: string;
  /** Stops answering (an outage); `start` brings it back with the same key and sessions. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * A hard rotation: a new signing key, and the old one gone from its JWKS at once. Its
   * sessions, grants and refresh tokens survive (a new provider on the same store, swapped in
   * behind the same listener).
   */
  rotateKey(): Promise<void>;
}

export interface OidcProviderOptions {
  redirectUri: string;
  /** The issuer's path on the loopback origin, kept as providers spell theirs ('/', '/realms/x'). */
  issuerPath?: string;
  clientId?: string;
  /** The signing algorithm of its id_tokens (and JWT access tokens); default RS256. */
  alg?: 'RS256' | 'PS256' | 'ES256';
  idTokenSeconds?: number;
  accessTokenSeconds?: number;
  /** Claims every account has besides `sub` (Entra's `oid`), put in its id_tokens. */
  userClaims?: Record<string, string>;
  /**
   * An API of the app's: access tokens asked for `api.resource` (a resource indicator) are JWTs
   * whose audience is `api.audience` (the resource itself, or a client id as Keycloak's
   * audience mapper puts it).
   */
  api?: { resource: string; audience: string };
}

/** The web font the provider's own pages import (oidc-provider's views and defaults). */
const FONT_IMPORT = /@import url\(https:\/\/fonts\.googleapis\.com\/[^)]*\);?/g;

/**
 * An OpenID Connect provider on a free loopback port: one public client (authorization code,
 * PKCE, refresh tokens) redirecting to `redirectUri`; its development login page takes any
 * login as the user's `sub`; id_tokens signed with `alg` by a key of its own, living
 * `idTokenSeconds`.
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProviderServer> {
  const port = await freePort();
  const path = options.issuerPath ?? '';
  const issuer = `http://127.0.0.1:${port}${path}`;
  // Its endpoints live under the issuer's path, as at Keycloak or Okta.
  const mountPath = path.replace(/\/$/, '');
  const clientId = options.clientId ?? 'webrtc-connect-web';
  const alg = options.alg ?? 'RS256';
  const userClaims = options.userClaims ?? {};
  const api = options.api;
  // One store for every provider made here: a rotation restarts the provider, not its users.
  const adapter = createMemoryAdapter();
  let keys = 0;
  let server: Server | undefined;
  // The provider of the current key, behind one listener: a rotation swaps it in place.
  let handle: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  const configure = () => {
    keys += 1;
    const { privateKey } =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = {
      ...privateKey.export({ format: 'jwk' }),
      kid: `provider-key-${keys}`,
      use: 'sig',
      alg,
    };
    const provider = new Provider(issuer, {
      adapter,
      clients: [
        {
          client_id: clientId,
          token_endpoint_auth_method: 'none',
          redirect_uris: [options.redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          id_token_signed_response_alg: alg,
        },
      ],
      jwks: { keys: [key] },
      claims: { openid: ['sub', ...Object.keys(userClaims)] },
      features: {
        devInteractions: { enabled: true },
        resourceIndicators: {
          enabled: true,
          useGrantedResource: () => true,
          getResourceServerInfo: (_context: unknown, resource: string) => {
            if (resource !== api?.resource) throw new Provider.errors.InvalidTarget();
            return {
              scope: 'api',
              audience: api.audience,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg } },
            };
          },
        },
      },
      findAccount: async (_context, id) => ({
        accountId: id,
        claims: async () => ({ sub: id, ...userClaims }),
      }),
      issueRefreshToken: () => true,
      // The web app calls the token endpoint from its own origin.
      clientBasedCORS: () => true,
      pkce: { required: () => true },
      ttl: {
        IdToken: options.idTokenSeconds ?? 3_600,
        AccessToken: options.accessTokenSeconds ?? 3_600,
        RefreshToken: 86_400,
        Grant: 86_400,
        Interaction: 600,
        Session: 86_400,
      },
    });
    // Its development login and consent pages import a web font from fonts.googleapis.com.
    // Inside the test's private namespace that name never resolves, and the page's load waited
    // for the lookup to time out: 7 to 9 s a page here, half of web-oidc-sign-in's time.
    provider.use(async (ctx, next) => {
      await next();
      if (typeof ctx.body === 'string') ctx.body = ctx.body.replace(FONT_IMPORT, '');
    });
    handle = provider.callback();
  };
  const start = async () => {
    const listening = createServer((request, response) => {
      const url = request.url ?? '/';
      if (!url.startsWith(`${mountPath}/`)) {
        response.statusCode = 404;
        response.end();
        return;
      }
      // As a router mounting it would: its routes see the rest, its URLs keep the path.
      Object.assign(request, { originalUrl: url });
      request.url = url.slice(mountPath.length);
      handle?.(request, response);
    });
    server = listening;
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    running?.closeAllConnections();
    if (running) await new Promise((done) => running.close(done));
  };
  configure();
  await start();
  return {
    issuer,
    clientId,
    redirectUri: options.redirectUri,
    stop,
    start,
    async rotateKey() {
      configure();
    },
  };
}
