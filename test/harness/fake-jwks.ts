import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, type JWK, type JWTPayload, SignJWT } from 'jose';

/** The test provider's issuer and this app's audience at it (the server's tests use them too). */
export const ISSUER = 'https://id.example.test';
export const AUDIENCE = 'webrtc-connect-tests';

/** A signing key of the fake provider, named by its key id. */
export interface ProviderKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'PS256';
  privateKey: KeyObject;
  jwk: JWK;
}

/** Keys made so far, by algorithm and key id (see providerKey). */
const made = new Map<string, Promise<ProviderKey>>();

/**
 * The provider's key `kid`: made on first use, then the same key for that id and algorithm in
 * this process. An RSA key takes a search for two primes, 0.1 to 2 s of CPU on a loaded
 * two-core machine, which the tests that name the same keys need not pay again.
 */
export function providerKey(kid: string, alg: ProviderKey['alg'] = 'RS256'): Promise<ProviderKey> {
  const name = `${alg} ${kid}`;
  let key = made.get(name);
  if (!key) {
    key = makeKey(kid, alg);
    made.set(name, key);
  }
  return key;
}

async function makeKey(kid: string, alg: ProviderKey['alg']): Promise<ProviderKey> {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey: pair.privateKey, jwk };
}

/**
 * An identity provider's JWKS endpoint on loopback: publishes the keys set in `keys`, counts
 * its fetches, and can be stopped and started again on the same port (an outage).
 */
export class FakeJwks {
  keys: ProviderKey[] = [];
  fetches = 0;
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/jwks`;
  }

  /** As an OpenID Connect issuer: its metadata names this JWKS. */
  get issuer(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      if (request.url === '/.well-known/openid-configuration') {
        response.end(JSON.stringify({ issuer: this.issuer, jwks_uri: this.url }));
        return;
      }
      this.fetches += 1;
      response.end(JSON.stringify({ keys: this.keys.map((key) => key.jwk) }));
    });
    this.#server = server;
    await new Promise<void>((done) => server.listen(this.#port, '127.0.0.1', done));
    this.#port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    server?.closeAllConnections();
    if (server) await new Promise((done) => server.close(done));
  }
}

/** A token of the provider signed with `key`, for `sub` (or the claims given). */
export function providerToken(key: ProviderKey, claims: JWTPayload = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}
