import { RedisLink, RedisMailboxStore, RedisRoomStore } from '@webrtc-connect/server';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../test/harness/redis-server.ts';
import { mailboxStoreContract } from './mailbox-store-contract.ts';
import { roomStoreContract } from './room-store-contract.ts';

// The same contracts as the memory stores, against a real redis-server; each store gets its
// own key prefix, so each starts empty.
let redis: RedisServer;
const links: RedisLink[] = [];
let stores = 0;

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(links.map((link) => link.close()));
  await redis?.stop();
});

async function link(): Promise<RedisLink> {
  stores += 1;
  const made = await RedisLink.connect({ url: redis.url, keyPrefix: `test${stores}:` });
  links.push(made);
  return made;
}

mailboxStoreContract('redis', async (options = {}) =>
  RedisMailboxStore.create(await link(), options),
);

let current: RedisRoomStore | undefined;
roomStoreContract(
  'redis',
  async () => {
    current = new RedisRoomStore(await link());
    return current;
  },
  async () => current?.settle(),
);
