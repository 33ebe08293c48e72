import { MemoryResumeBoxStore, RedisLink, RedisResumeBoxStore } from '@webrtc-connect/server';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../test/harness/redis-server.ts';
import { resumeBoxStoreContract } from './resume-box-store-contract.ts';

// One contract, both stores: in memory, and in a real redis-server (a key prefix per store).
let redis: RedisServer;
const links: RedisLink[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(links.map((link) => link.close()));
  await redis?.stop();
});

resumeBoxStoreContract('memory', async (options = {}) => new MemoryResumeBoxStore(options));

resumeBoxStoreContract('redis', async (options = {}) => {
  const link = await RedisLink.connect({ url: redis.url, keyPrefix: `resume${links.length}:` });
  links.push(link);
  return RedisResumeBoxStore.create(link, options);
});
