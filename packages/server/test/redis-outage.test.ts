import { ACCOUNT_CLOSE_CODES } from '@webrtc-connect/protocol';
import {
  createServer,
  MemoryMailboxStore,
  parseServeArgs,
  RedisLink,
  RedisRoomStore,
} from '@webrtc-connect/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../test/harness/redis-server.ts';
import { eventually } from '../../../test/support/eventually.ts';
import { type AccountServer, accountServer, tokenFor } from './account-helpers.ts';

// Instances in this process on one real redis-server. When Redis goes away and comes back
// empty: clear errors with stable codes meanwhile, and the rooms back by themselves after.
// When an instance goes away: the others take its devices out of their rooms.
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

async function healthOf(server: AccountServer) {
  const response = await fetch(`${server.url}/api/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('instances on Redis when Redis or an instance goes away', () => {
  it('refuses with ERR_STORE_UNAVAILABLE, ERR_RELAY_UNAVAILABLE and ERR_ROOM_UNAVAILABLE, then recovers by itself with the same ids', async () => {
    const a = await accountServer({ redisUrl: redis.url });
    const b = await accountServer({ redisUrl: redis.url });
    expect((await healthOf(a)).body).toMatchObject({ store: 'redis', link: 'connected' });
    const token = await tokenFor('outage');
    const one = await a.join(token);
    const two = await b.join(token);
    const gone = await a.join(token);
    await one.next('room', (frame) => frame.members.length === 3);
    // Across instances: a signal from a device on one reaches a device on the other.
    one.send({ type: 'signal', to: two.id, data: { n: 1 } });
    expect((await two.next('signal')).data).toEqual({ n: 1 });

    await redis.kill();
    await eventually(async () => (await healthOf(a)).status === 503);
    const { body } = await healthOf(a);
    expect(body.error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const offer = await fetch(`${b.url}/api/offers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(offer.status).toBe(503);
    expect(offer.headers.get('retry-after')).toBe('1');
    // A signal fails for now; the socket stays.
    one.send({ type: 'signal', to: two.id, data: { n: 2 } });
    await one.error('ERR_RELAY_UNAVAILABLE');
    // A device that goes while Redis is away cannot leave its room now ...
    gone.kill();
    // ... and a new device is told to come back later.
    const late = await a.open();
    late.send({ type: 'hello', version: 1, token });
    await late.error('ERR_ROOM_UNAVAILABLE');
    expect((await late.closed).code).toBe(ACCOUNT_CLOSE_CODES.tryAgainLater);

    await redis.start();
    for (const server of [a, b]) {
      await eventually(async () => (await healthOf(server)).body.link === 'connected');
    }
    // The room is back in the emptied Redis, with its ids and its broadcaster, without the
    // device that went meanwhile, and with no id given twice.
    const four = await b.join(token);
    expect(four.id).toBe('outage-client-4');
    expect(four.welcome?.members.map((member) => [member.id, member.role])).toEqual([
      ['outage-client-1', 'broadcaster'],
      ['outage-client-2', 'client'],
      ['outage-client-4', 'client'],
    ]);
    expect(four.welcome?.epoch).toBe(1);
    one.send({ type: 'signal', to: two.id, data: { n: 3 } });
    expect((await two.next('signal')).data).toEqual({ n: 3 });
  });

  it('takes the devices of an instance that stopped out of their rooms, promoting another broadcaster', async () => {
    // An instance cut off from Redis without a word: its links just end.
    const links = await Promise.all(
      [0, 1].map(() => RedisLink.connect({ url: redis.url, keyPrefix: 'cut:' })),
    );
    const [cut, kept] = links as [RedisLink, RedisLink];
    try {
      const a = await accountServer({ roomStore: new RedisRoomStore(cut, { instanceTtlMs: 300 }) });
      const b = await accountServer({
        roomStore: new RedisRoomStore(kept, { instanceTtlMs: 300 }),
      });
      const token = await tokenFor('cut');
      const one = await a.join(token);
      const two = await b.join(token);
      expect(two.welcome).toMatchObject({ epoch: 1, broadcaster: one.id });
      await cut.close();
      const promoted = await two.next('room', (frame) => frame.members.length === 1);
      expect(promoted).toMatchObject({ epoch: 2, broadcaster: two.id });
    } finally {
      await Promise.all(links.map((link) => link.close()));
    }
  });

  it('takes Redis from --redis-url or REDIS_URL, and refuses what cannot work', async () => {
    expect(parseServeArgs([], { REDIS_URL: 'redis://10.0.0.5:6379' })).toMatchObject({
      redisUrl: 'redis://10.0.0.5:6379',
    });
    expect(
      parseServeArgs(['--redis-url', 'redis://a:1', '--redis-key-prefix', 'x:'], {}),
    ).toMatchObject({ redisUrl: 'redis://a:1', redisKeyPrefix: 'x:' });
    expect(() => parseServeArgs(['--redis-url', 'http://a:1'], {})).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    );
    const both = await createServer({
      redisUrl: redis.url,
      store: new MemoryMailboxStore(),
    }).catch((error: unknown) => error);
    expect(both).toMatchObject({ code: 'ERR_INVALID_CONFIG' });
  });

  it('will not start without Redis: ERR_STORE_UNAVAILABLE, not a hang', async () => {
    const error = await accountServer({ redisUrl: 'redis://127.0.0.1:1' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  });
});
