import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccountErrorCode } from '@webrtc-connect/protocol';
import { base64url, exportJWK, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AccountServer,
  AUDIENCE,
  accountServer,
  ISSUER,
  SECRET,
  tokenFor,
} from './account-helpers.ts';

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: JWTPayload = {}): JWTPayload => ({
  sub: 'alice',
  iss: ISSUER,
  aud: AUDIENCE,
  exp: now() + 600,
  ...extra,
});
const secretKey = (text: string) => new TextEncoder().encode(text);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function sign(
  payload: JWTPayload,
  key: KeyObject | Uint8Array,
  header: { alg: string; kid?: string } = { alg: 'HS256' },
) {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

/** Sends a hello with `token` and expects the refusal `code`, then the close `closeCode`. */
async function expectRefused(
  server: AccountServer,
  token: string | undefined,
  code: AccountErrorCode,
  closeCode = 4401,
) {
  const device = await server.open();
  device.send(
    token === undefined ? { type: 'hello', version: 1 } : { type: 'hello', version: 1, token },
  );
  expect((await device.next('error')).code, `token refused as ${code}`).toBe(code);
  expect((await device.closed).code).toBe(closeCode);
  expect(device.welcome).toBeUndefined();
}

describe('tokens checked with a shared secret', () => {
  it('are each refused with their own code', async () => {
    const server = await accountServer();
    const good = await tokenFor('alice');
    const [header, , signature] = good.split('.');
    const { sub: _, ...withoutSub } = claims();
    const forgedPayload = base64url.encode(JSON.stringify(claims({ sub: 'mallory' })));
    const cases: Array<[string, string | undefined, AccountErrorCode]> = [
      ['expired', await tokenFor('alice', { exp: now() - 120 }), 'ERR_TOKEN_EXPIRED'],
      ['not valid yet', await tokenFor('alice', { nbf: now() + 3600 }), 'ERR_TOKEN_NOT_YET_VALID'],
      ['wrong issuer', await tokenFor('alice', { iss: 'https://evil.test' }), 'ERR_TOKEN_ISSUER'],
      ['wrong audience', await tokenFor('alice', { aud: 'another-app' }), 'ERR_TOKEN_AUDIENCE'],
      ['alg none', new UnsecuredJWT(claims()).encode(), 'ERR_TOKEN_ALGORITHM'],
      ['tampered payload', `${header}.${forgedPayload}.${signature}`, 'ERR_TOKEN_SIGNATURE'],
      [
        'another secret',
        await tokenFor('alice', {}, `${SECRET}, but another`),
        'ERR_TOKEN_SIGNATURE',
      ],
      [
        'RS256 where a secret is configured',
        await sign(claims(), rsa.privateKey, { alg: 'RS256' }),
        'ERR_TOKEN_ALGORITHM',
      ],
      ['not a JWT', 'not-a-jwt', 'ERR_TOKEN_MALFORMED'],
      [
        'no exp',
        await sign({ sub: 'alice', iss: ISSUER, aud: AUDIENCE }, secretKey(SECRET)),
        'ERR_TOKEN_CLAIMS',
      ],
      ['sub over 1,024 characters', await tokenFor('a'.repeat(1025)), 'ERR_TOKEN_SUBJECT'],
      ['empty sub', await tokenFor(''), 'ERR_TOKEN_SUBJECT'],
      ['no sub', await sign(withoutSub, secretKey(SECRET)), 'ERR_TOKEN_SUBJECT'],
      ['no token', undefined, 'ERR_TOKEN_MISSING'],
      ['empty token', '', 'ERR_TOKEN_MISSING'],
    ];
    await Promise.all(cases.map(([, token, code]) => expectRefused(server, token, code)));
    // And the untouched token is welcome.
    expect((await server.join(good)).welcome?.user).toBe('alice');
  });
});

describe('tokens checked with a public key', () => {
  it('accept RS256 and refuse an HMAC token keyed with the public key itself', async () => {
    const server = await accountServer({
      jwt: { publicKey: rsaPem, issuer: ISSUER, audience: AUDIENCE },
    });
    const device = await server.join(await sign(claims(), rsa.privateKey, { alg: 'RS256' }));
    expect(device.welcome?.id).toBe('alice-client-1');
    // The classic confusion: HS256 with the PEM text as the HMAC secret.
    await expectRefused(server, await sign(claims(), secretKey(rsaPem)), 'ERR_TOKEN_ALGORITHM');
    await expectRefused(server, new UnsecuredJWT(claims()).encode(), 'ERR_TOKEN_ALGORITHM');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectRefused(
      server,
      await sign(claims(), other.privateKey, { alg: 'RS256' }),
      'ERR_TOKEN_SIGNATURE',
    );
  });
});

describe('tokens checked against a JWKS URL', () => {
  let jwks: Server | undefined;
  const stopJwks = async () => {
    const server = jwks;
    jwks = undefined;
    server?.closeAllConnections();
    if (server) await new Promise((done) => server.close(done));
  };
  afterEach(stopJwks);

  async function serveJwks(): Promise<string> {
    const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    jwks = createHttpServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((done) => jwks?.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  }

  it('accept the provider’s tokens and refuse unknown keys and HMAC', async () => {
    const server = await accountServer({
      jwt: {
        jwksUrl: await serveJwks(),
        issuer: ISSUER,
        audience: AUDIENCE,
        keysCooldownMs: 100,
      },
    });
    const token = await sign(claims(), rsa.privateKey, { alg: 'RS256', kid: 'key-1' });
    expect((await server.join(token)).welcome?.user).toBe('alice');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectRefused(
      server,
      await sign(claims(), other.privateKey, { alg: 'RS256', kid: 'key-2' }),
      'ERR_TOKEN_SIGNATURE',
    );
    await expectRefused(server, await sign(claims(), secretKey(SECRET)), 'ERR_TOKEN_ALGORITHM');
  });

  it('answer ERR_AUTH_UNAVAILABLE, close 1013, when the keys cannot be fetched', async () => {
    const url = await serveJwks();
    await stopJwks();
    const server = await accountServer({
      jwt: { jwksUrl: url, issuer: ISSUER, audience: AUDIENCE },
    });
    const token = await sign(claims(), rsa.privateKey, { alg: 'RS256', kid: 'key-1' });
    await expectRefused(server, token, 'ERR_AUTH_UNAVAILABLE', 1013);
  });
});

describe('the hello', () => {
  it('must come first, in time, in a known version, well formed', async () => {
    const server = await accountServer({ helloTimeoutMs: 200 });
    const pinger = await server.open();
    pinger.send({ type: 'ping' });
    await pinger.error('ERR_HELLO_REQUIRED');
    expect((await pinger.closed).code).toBe(4401);

    const late = await server.open();
    await late.error('ERR_HELLO_TIMEOUT');
    expect((await late.closed).code).toBe(4401);

    const future = await server.open();
    future.send({ type: 'hello', version: 2, token: await tokenFor('alice') });
    await future.error('ERR_UNSUPPORTED_VERSION');
    expect((await future.closed).code).toBe(4400);

    const garbled = await server.open();
    garbled.socket.send('{"type":"hello",');
    await garbled.error('ERR_INVALID_FRAME');
    expect((await garbled.closed).code).toBe(4400);
  });

  it('is refused with ERR_ACCOUNTS_DISABLED when no sign-in is configured', async () => {
    const server = await accountServer({ jwt: null });
    await expectRefused(server, await tokenFor('alice'), 'ERR_ACCOUNTS_DISABLED');
  });
});

describe('development sign-in', () => {
  const signIn = (server: AccountServer, name: unknown) =>
    fetch(`${server.url}/api/dev/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });

  it('is off unless asked for', async () => {
    const server = await accountServer();
    const response = await signIn(server, 'alice');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'ERR_NO_ROUTE',
    );
  });

  it('when on, says so loudly and gives tokens only its own server accepts', async () => {
    const lines: string[] = [];
    const server = await accountServer({
      jwt: null,
      devSignIn: true,
      logLevel: 'info',
      logStream: { write: (line) => lines.push(line) },
    });
    const warning = lines.map((line) => JSON.parse(line)).find((line) => line.level === 40);
    expect(warning?.msg).toMatch(/^DEVELOPMENT SIGN-IN IS ON/);

    const response = await signIn(server, 'alice');
    expect(response.status).toBe(200);
    const { token, user, expiresAt } = (await response.json()) as Record<string, string>;
    expect(user).toBe('alice');
    expect(Date.parse(expiresAt ?? '') - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    expect((await server.join(token ?? '')).welcome?.id).toBe('alice-client-1');

    expect((await signIn(server, 'not a name')).status).toBe(400);
    expect((await signIn(server, 'x'.repeat(65))).status).toBe(400);
    // Another server made another key; a token from anywhere else is not trusted either.
    const other = await accountServer({ jwt: null, devSignIn: true });
    await expectRefused(other, token, 'ERR_TOKEN_SIGNATURE');
    await expectRefused(server, await tokenFor('alice'), 'ERR_TOKEN_SIGNATURE');
  });

  it('on instances sharing a secret signs with one key: a token from one is good on all', async () => {
    const shared = { secret: SECRET, issuer: ISSUER, audience: AUDIENCE };
    const [one, two] = await Promise.all(
      [0, 1].map(() => accountServer({ jwt: shared, devSignIn: true })),
    );
    if (!one || !two) throw new Error('no servers');
    const { token } = (await (await signIn(one, 'alice')).json()) as { token: string };
    const onTwo = await two.join(token);
    expect(onTwo.welcome).toMatchObject({ id: 'alice-client-1', user: 'alice' });
    // Still the development user, not the provider's alice: a room of its own.
    const real = await two.join(await tokenFor('alice'));
    expect(real.welcome?.members).toHaveLength(1);
    // Another secret, or none: another key, and the answer says so (not the algorithm).
    const apart = await accountServer({
      jwt: { ...shared, secret: `${SECRET}, but another` },
      devSignIn: true,
    });
    await expectRefused(apart, token, 'ERR_TOKEN_SIGNATURE');
    const alone = await accountServer({ jwt: null, devSignIn: true });
    const { token: ed25519 } = (await (await signIn(alone, 'bob')).json()) as { token: string };
    await expectRefused(one, ed25519, 'ERR_TOKEN_SIGNATURE');
    await expectRefused(alone, token, 'ERR_TOKEN_SIGNATURE');
  });
});
