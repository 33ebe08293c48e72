import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../test/harness/redis-server.ts';
import { type ServerInstance, startInstance } from '../../../test/harness/server-instances.ts';

// Two instances on one real redis-server: one address has one budget, whichever instance each
// request reaches.
let redis: RedisServer;
let instances: ServerInstance[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  instances = [];
});
afterAll(async () => {
  await redis?.stop();
});

async function twoInstances(args: string[], prefix: string): Promise<ServerInstance[]> {
  instances = await Promise.all(
    [0, 1].map(() => startInstance(redis.url, ['--redis-key-prefix', prefix, ...args])),
  );
  return instances;
}

describe('on Redis, the limits are shared by every instance', () => {
  it('ten unknown reply codes a minute per address, across two instances', async () => {
    const [a, b] = await twoInstances([], 'misses:');
    const statuses: number[] = [];
    for (let n = 1; n <= 16; n += 1) {
      const instance = n % 2 === 0 ? a : b;
      const response = await fetch(`${instance?.url}/api/replies/X${String(n).padStart(4, '0')}`);
      statuses.push(response.status);
      if (response.status === 429)
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([...Array(10).fill(404), ...Array(6).fill(429)]);
  });

  it('the request limit, across two instances, with the same answer as one', async () => {
    const [a, b] = await twoInstances(['--rate-limit', '6'], 'requests:');
    const statuses: number[] = [];
    for (let n = 1; n <= 9; n += 1) {
      const response = await fetch(`${(n % 2 === 0 ? a : b)?.url}/api/ice-servers`);
      statuses.push(response.status);
      if (response.status === 429) {
        expect(await response.json()).toMatchObject({ error: { code: 'ERR_RATE_LIMITED' } });
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429, 429]);
  });
});
