import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../test/harness/redis-server.ts';
import { type ServerInstance, startInstance } from '../../../test/harness/server-instances.ts';

// Two instances on one real redis-server: one address has one budget, whichever instance each
// request reaches. Behind "a proxy" (one trusted hop), so each test is a client address of its
// own, apart from the instances' health probes.
let redis: RedisServer;
let instances: ServerInstance[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  instances = await Promise.all(
    [0, 1].map(() => startInstance(redis.url, ['--trust-proxy', '1', '--rate-limit', '20'])),
  );
}, 60_000);
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  await redis?.stop();
});

/** `path` from `client`, on the two instances in turn. */
async function alternate(path: (n: number) => string, client: string, count: number) {
  const answers: Response[] = [];
  for (let n = 1; n <= count; n += 1) {
    const instance = instances[n % 2];
    answers.push(
      await fetch(`${instance?.url}${path(n)}`, { headers: { 'x-forwarded-for': client } }),
    );
  }
  return answers;
}

describe('on Redis, the limits are shared by every instance', () => {
  it('ten unknown reply codes a minute per address, across two instances', async () => {
    const answers = await alternate(
      (n) => `/api/replies/X${String(n).padStart(4, '0')}`,
      '203.0.113.1',
      16,
    );
    expect(answers.map((answer) => answer.status)).toEqual([
      ...Array(10).fill(404),
      ...Array(6).fill(429),
    ]);
    const refused = await answers[15]?.json();
    expect(refused).toMatchObject({ error: { code: 'ERR_RATE_LIMITED' } });
    expect(Number(answers[15]?.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('the request limit, across two instances, with the same answer as one', async () => {
    const answers = await alternate(() => '/api/ice-servers', '203.0.113.2', 23);
    expect(answers.map((answer) => answer.status)).toEqual([
      ...Array(20).fill(200),
      ...Array(3).fill(429),
    ]);
    expect(await answers[22]?.json()).toMatchObject({ error: { code: 'ERR_RATE_LIMITED' } });
    // Another address still has its whole budget.
    const other = await alternate(() => '/api/ice-servers', '203.0.113.3', 2);
    expect(other.map((answer) => answer.status)).toEqual([200, 200]);
  });
});
