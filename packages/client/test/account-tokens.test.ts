import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectError } from 'webrtc-connect';
import type { AccountTokenRequest, WebSocketConstructor } from 'webrtc-connect/account';
import { WebSocket } from 'ws';
import {
  AUDIENCE,
  FakeJwks,
  ISSUER,
  providerKey,
  providerToken,
} from '../../../test/harness/fake-jwks.ts';
import { codeOf } from '../../../test/support/error-code.ts';
import { eventually } from '../../../test/support/eventually.ts';
import {
  cuttableSockets,
  nextEvent,
  signedToken,
  useAccountServer,
} from './real-account-server.ts';

const SECRET = 'a secret for the token tests, 32 bytes or more';

let jwks = new FakeJwks();
// Registered before the servers' hook, so it runs after it: servers close, then the keys stop.
afterEach(async () => {
  await jwks.stop();
  jwks = new FakeJwks();
});
const { server, join } = useAccountServer(SECRET);

/** An HS256 token for `user` expiring `seconds` from now (past, when negative). */
const token = (user: string, seconds: number, secret = SECRET) =>
  signedToken(user, secret, seconds);

const refusalCode = (error: ConnectError) => error.serverCode;

describe('a token function', () => {
  it('is called at the first join and at every join again, so expired tokens are replaced', async () => {
    const { url } = await server();
    const sockets = cuttableSockets();
    let calls = 0;
    const requests: AccountTokenRequest[] = [];
    const session = await join({
      server: url,
      WebSocket: sockets.WebSocket,
      // At each join again, the first token given has expired, the next is fresh.
      token: (request) => {
        calls += 1;
        requests.push(request);
        return token('alice', calls % 2 === 0 ? -120 : 600);
      },
    });
    expect(calls).toBe(1);
    expect(session.tokenExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 500_000);
    for (let round = 0; round < 2; round += 1) {
      const rejoined = nextEvent(session, 'rejoined');
      sockets.cut();
      await rejoined;
    }
    // Each join again called it, and an expired token was asked for again, not taken as final.
    expect(calls).toBe(5);
    // Told why it is asked again, so it can refresh rather than give the same token.
    expect(requests).toEqual([
      {},
      {},
      { refused: 'ERR_TOKEN_EXPIRED' },
      {},
      { refused: 'ERR_TOKEN_EXPIRED' },
    ]);
    expect(session.state).not.toBe('closed');
  });

  it('whose tokens stay refused ends the session after 3 tries again, each refusal an event', async () => {
    const { url } = await server();
    const sockets = cuttableSockets();
    let good = true;
    const session = await join({
      server: url,
      WebSocket: sockets.WebSocket,
      token: () => token('alice', 600, good ? SECRET : `${SECRET} but another one`),
    });
    const errors: ConnectError[] = [];
    session.on('error', (error) => errors.push(error));
    good = false;
    const closed = new Promise<void>((resolve) =>
      session.on('state', (state) => state === 'closed' && resolve()),
    );
    sockets.cut();
    await closed;
    const refusals = errors.filter((error) => error.code === 'ERR_ACCOUNT_REFUSED');
    expect(refusals.map(refusalCode)).toEqual(Array(4).fill('ERR_TOKEN_SIGNATURE'));
  });

  it('that fails is retried at the next join again, as ERR_NO_TOKEN events', async () => {
    const { url } = await server();
    const sockets = cuttableSockets();
    let failing = false;
    const session = await join({
      server: url,
      WebSocket: sockets.WebSocket,
      token: async () => {
        if (failing) throw new Error('the provider is down');
        return token('alice', 600);
      },
    });
    failing = true;
    const failed = nextEvent<ConnectError>(session, 'error');
    sockets.cut();
    // The lost socket first, then the token function's failure.
    await failed;
    const noToken = await nextEvent<ConnectError>(session, 'error');
    expect(noToken.code).toBe('ERR_NO_TOKEN');
    failing = false;
    await nextEvent(session, 'rejoined');
  });
});

describe('setToken', () => {
  it('gives the token for the next join again', async () => {
    const { url } = await server();
    const sockets = cuttableSockets();
    // A token that expires while the device is in: it stays, but could not join again.
    const session = await join({
      server: url,
      WebSocket: sockets.WebSocket,
      token: await token('alice', -25),
    });
    session.setToken(await token('alice', 600));
    const rejoined = nextEvent(session, 'rejoined');
    sockets.cut();
    await rejoined;
    expect(session.user).toBe('alice');
    expect(() => session.setToken('')).toThrow();
  });
});

describe('the first join', () => {
  it('waits out the provider’s keys being unreachable (ERR_AUTH_UNAVAILABLE)', async () => {
    const key = await providerKey('key-1');
    jwks.keys = [key];
    await jwks.start();
    const jwksUrl = jwks.url;
    await jwks.stop();
    const started = await server({
      jwt: { jwksUrl, issuer: ISSUER, audience: AUDIENCE, keysCooldownMs: 100 },
    });
    const joining = join({
      server: started.url,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      token: await providerToken(key),
    });
    await eventually(() => started.refusals().some((line) => line.code === 'ERR_AUTH_UNAVAILABLE'));
    await jwks.start();
    expect((await joining).user).toBe('alice');
  });

  it('still fails at once on a refusal retrying cannot cure', async () => {
    const { url } = await server();
    const joining = join({
      server: url,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      token: await token('alice', -120),
    });
    expect(await codeOf(joining)).toBe('ERR_ACCOUNT_REFUSED');
  });
});
