import type { AccountErrorCode } from '@webrtc-connect/protocol';
import type { JwtOptions } from '@webrtc-connect/server';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeJwks, providerKey, providerToken } from '../../../test/harness/fake-jwks.ts';
import { type AccountServer, AUDIENCE, accountServer, ISSUER } from './account-helpers.ts';

let jwks = new FakeJwks();
afterEach(async () => {
  await jwks.stop();
  jwks = new FakeJwks();
});

/** An account server trusting the fake provider, its key cache timed by `keys`. */
function providerServer(
  keys: Pick<JwtOptions, 'keysMaxAgeMs' | 'keysCooldownMs' | 'keysOutageGraceMs'>,
  clock?: () => number,
): Promise<AccountServer> {
  return accountServer({
    ...(clock ? { clock } : {}),
    jwt: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, ...keys },
  });
}

async function refused(server: AccountServer, token: string): Promise<AccountErrorCode> {
  const device = await server.open();
  device.send({ type: 'hello', version: 1, token });
  const { code } = await device.next('error', () => true, 15_000);
  return code;
}

/**
 * Each test makes RSA keys (a search for primes) and signs and sends hellos, and the flood sends
 * 320: seconds of CPU on a loaded two-core machine (6.6 s for the flood at load 16 here, and
 * once past 20 s at load 26). Only the cooldowns are real waits, and the fetch bound is taken
 * from the time the flood really took, so a slow machine changes no outcome, only the time.
 */
const LOADED_MACHINE = { timeout: 60_000 };

describe('a provider that rotates its keys', LOADED_MACHINE, () => {
  it('has a token of its new key accepted at the first try, and the old key refused', async () => {
    const [first, second, third] = await Promise.all(
      ['key-1', 'key-2', 'key-3'].map((kid) => providerKey(kid)),
    );
    if (!first || !second || !third) throw new Error('no keys');
    jwks.keys = [first];
    await jwks.start();
    const server = await providerServer({ keysCooldownMs: 1_000 });
    await server.join(await providerToken(first));
    expect(jwks.fetches).toBe(1);

    // A hard rotation: the old key is gone at once.
    jwks.keys = [second];
    const started = performance.now();
    expect((await server.join(await providerToken(second))).welcome?.user).toBe('alice');
    expect(jwks.fetches).toBe(2);
    // Again, within the cooldown of that fetch: the token waits for the next one, not refused.
    jwks.keys = [third];
    expect((await server.join(await providerToken(third))).welcome?.user).toBe('alice');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(jwks.fetches).toBe(3);
    expect(await refused(server, await providerToken(first))).toBe('ERR_TOKEN_SIGNATURE');
  });

  it('through a soft rotation (keys overlapping) accepts both keys, then only the new one once the old is retired', async () => {
    const [old, next] = await Promise.all(['key-old', 'key-new'].map((kid) => providerKey(kid)));
    if (!old || !next) throw new Error('no keys');
    jwks.keys = [old];
    await jwks.start();
    let now = Date.now();
    const server = await providerServer({ keysMaxAgeMs: 60_000, keysCooldownMs: 1_000 }, () => now);
    const token = (key: typeof old, user: string) =>
      providerToken(key, { sub: user, exp: Math.floor(now / 1000) + 600 });
    await server.join(await token(old, 'alice'));
    expect(jwks.fetches).toBe(1);
    // The provider publishes its next key beside the old one and signs with it from now on.
    jwks.keys = [old, next];
    now += 2_000;
    expect((await server.join(await token(next, 'bob'))).welcome?.user).toBe('bob');
    expect(jwks.fetches).toBe(2);
    // Tokens of the old key, still valid, still join: no refusal, no fetch.
    expect((await server.join(await token(old, 'carol'))).welcome?.user).toBe('carol');
    expect(jwks.fetches).toBe(2);
    // The old key is retired; once the server's keys are older than their age it fetches them
    // again, and the old key's tokens are refused while the new key's join.
    jwks.keys = [next];
    now += 61_000;
    expect((await server.join(await token(next, 'dave'))).welcome?.user).toBe('dave');
    expect(jwks.fetches).toBe(3);
    expect(await refused(server, await token(old, 'eve'))).toBe('ERR_TOKEN_SIGNATURE');
  });

  it('is not hammered by a flood of unknown key ids: one fetch a cooldown', async () => {
    jwks.keys = [await providerKey('key-1')];
    await jwks.start();
    const cooldownMs = 300;
    const server = await providerServer({ keysCooldownMs: cooldownMs });
    const forger = await providerKey('forged');
    const started = performance.now();
    const codes: AccountErrorCode[] = [];
    // Eight waves of 40 hellos, each naming a key id of its own.
    for (let wave = 0; wave < 8; wave += 1) {
      const tokens = await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          providerToken({ ...forger, kid: `unknown-${wave}-${n}` }),
        ),
      );
      codes.push(...(await Promise.all(tokens.map((token) => refused(server, token)))));
    }
    const elapsed = performance.now() - started;
    expect(new Set(codes)).toEqual(new Set(['ERR_TOKEN_SIGNATURE']));
    expect(codes).toHaveLength(320);
    // The first fetch at once, then at most one each cooldown: not one a token.
    expect(jwks.fetches).toBeLessThanOrEqual(1 + Math.ceil(elapsed / cooldownMs));
  });

  it('keeps its last keys through an outage longer than their age, as long as the grace', async () => {
    const key = await providerKey('key-1');
    jwks.keys = [key];
    await jwks.start();
    let now = Date.now();
    const server = await providerServer(
      { keysMaxAgeMs: 60_000, keysCooldownMs: 0, keysOutageGraceMs: 3_600_000 },
      () => now,
    );
    const token = (user: string) =>
      providerToken(key, { sub: user, exp: Math.floor(now / 1000) + 600 });
    await server.join(await token('alice'));
    await jwks.stop();
    // Twice the keys' age later, the provider still down: its last keys still serve.
    now += 120_000;
    expect((await server.join(await token('bob'))).welcome?.user).toBe('bob');
    // Past the grace: nobody can be checked, and the device is told to retry later.
    now += 3_600_000;
    expect(await refused(server, await token('carol'))).toBe('ERR_AUTH_UNAVAILABLE');
    // The provider is back: the next hello fetches its keys again.
    await jwks.start();
    expect((await server.join(await token('carol'))).welcome?.user).toBe('carol');
  });
});

describe('a provider named for the web app’s sign-in (--oidc-issuer)', LOADED_MACHINE, () => {
  it('is told to the app, and its tokens are checked against its discovered keys', async () => {
    const key = await providerKey('key-1');
    jwks.keys = [key];
    await jwks.start();
    const clientId = 'webrtc-connect-web';
    const server = await accountServer({
      jwt: null,
      oidc: { issuer: jwks.issuer, clientId, name: 'Example ID' },
    });
    const options = await (await fetch(`${server.url}/api/sign-in`)).json();
    expect(options).toEqual({
      devSignIn: false,
      oidc: { issuer: jwks.issuer, clientId, name: 'Example ID', scope: 'openid offline_access' },
    });
    const token = (audience: string) => providerToken(key, { iss: jwks.issuer, aud: audience });
    expect((await server.join(await token(clientId))).welcome?.user).toBe('alice');
    expect(await refused(server, await token('another-app'))).toBe('ERR_TOKEN_AUDIENCE');
  });
});
