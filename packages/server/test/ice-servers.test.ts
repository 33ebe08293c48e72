import type { IceServersResponse } from '@webrtc-connect/protocol';
import { isServerError, parseServeArgs } from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';
import { fakeClock, testServer } from './helpers.ts';

async function served(options: Parameters<typeof testServer>[0] = {}) {
  const app = await testServer(options);
  const response = await app.inject('/api/ice-servers');
  return { response, body: response.json() as IceServersResponse };
}

/** base64(HMAC-SHA1(secret, text)), through WebCrypto rather than the server's node:crypto. */
async function hmacSha1(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  const signature = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text));
  return Buffer.from(signature).toString('base64');
}

describe('GET /api/ice-servers', () => {
  it('lists none by default, and is never cached', async () => {
    const { response, body } = await served();
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(body).toEqual({ iceServers: [] });
  });

  it('lists the configured servers as given', async () => {
    const iceServers = [
      { urls: 'stun:stun.example:3478' },
      {
        urls: ['turn:turn.example:3478', 'turns:turn.example:5349'],
        username: 'u',
        credential: 'p',
      },
    ];
    expect((await served({ iceServers })).body).toEqual({ iceServers });
  });

  it('makes TURN REST API credentials from the TURN secret, fresh at each request', async () => {
    const clock = fakeClock();
    const iceServers = [{ urls: 'stun:stun.example:3478' }, { urls: 'turn:turn.example:3478' }];
    const app = await testServer({
      iceServers,
      turnSecret: 'shared',
      turnTtlSeconds: 600,
      clock: clock.now,
    });
    const first = (await app.inject('/api/ice-servers')).json() as IceServersResponse;
    const expiry = Math.floor(clock.now() / 1000) + 600;
    expect(first.expiresAt).toBe(new Date(expiry * 1000).toISOString());
    expect(first.iceServers[0]).toEqual({ urls: 'stun:stun.example:3478' });
    const turn = first.iceServers[1];
    expect(turn?.username).toBe(`${expiry}:webrtc-connect`);
    expect(turn?.credential).toBe(await hmacSha1('shared', `${expiry}:webrtc-connect`));

    clock.advance(60_000);
    const later = (await app.inject('/api/ice-servers')).json() as IceServersResponse;
    expect(later.iceServers[1]?.username).toBe(`${expiry + 60}:webrtc-connect`);
  });

  it('refuses a list that cannot work, naming the entry', async () => {
    for (const iceServers of [
      { urls: 'stun:x' },
      [{ urls: 'https://stun.example' }],
      [{ urls: [] }],
      [{ urls: 'stun:x', port: 3478 }],
      [{ urls: 'turn:turn.example' }],
      [{ urls: 'turn:turn.example', username: 'u', credential: 7 }],
    ]) {
      await expect(testServer({ iceServers: iceServers as never })).rejects.toMatchObject({
        code: 'ERR_INVALID_CONFIG',
      });
    }
  });
});

describe('ICE server flags', () => {
  it('takes the list as JSON, the TURN secret from the environment', () => {
    const options = parseServeArgs(
      ['--ice-servers', '[{"urls":"turn:turn.example:3478"}]', '--turn-ttl', '3600'],
      { TURN_SECRET: 'shared' },
    );
    expect(options).toMatchObject({
      iceServers: [{ urls: 'turn:turn.example:3478' }],
      turnSecret: 'shared',
      turnTtlSeconds: 3600,
    });
    expect(parseServeArgs([], { ICE_SERVERS: '[]' }).iceServers).toEqual([]);
  });

  it('says which flag is wrong', () => {
    for (const [args, env] of [
      [['--ice-servers', '[{urls:'], {}],
      [['--turn-secret-env', 'MY_TURN_SECRET'], {}],
    ] as const) {
      let error: unknown;
      try {
        parseServeArgs(args, env);
      } catch (caught) {
        error = caught;
      }
      expect(isServerError(error) && error.code).toBe('ERR_INVALID_CONFIG');
      expect((error as Error).message).toContain(args[0]);
    }
  });
});
