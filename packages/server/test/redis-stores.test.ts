import {
  createServer,
  RedisLink,
  RedisMailboxStore,
  RedisResumeBoxStore,
  RedisRoomStore,
  type RoomEvent,
  type SignalEvent,
  spellUser,
} from '@webrtc-connect/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../test/harness/redis-server.ts';
import { eventually } from '../../../test/support/eventually.ts';
import { accountServer, tokenFor } from './account-helpers.ts';
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

describe('redis room store: a signal for one instance', () => {
  it('reaches the instance named and no other; without one, every instance in the room', async () => {
    const [linkOne, linkTwo] = await Promise.all(
      [0, 1].map(async () => {
        const made = await RedisLink.connect({ url: redis.url, keyPrefix: 'routed:' });
        links.push(made);
        return made;
      }),
    );
    if (!linkOne || !linkTwo) throw new Error('no links');
    const hooks = (instance: string) => ({
      instance,
      instanceGone: async () => {},
      reconnected: async () => {},
    });
    const one = new RedisRoomStore(linkOne);
    const two = new RedisRoomStore(linkTwo);
    const stops = [one.register(hooks('one')), two.register(hooks('two'))];
    const heard: Record<string, RoomEvent[]> = { one: [], two: [] };
    const offs = [
      one.subscribe('room', (event) => heard.one?.push(event)),
      two.subscribe('room', (event) => heard.two?.push(event)),
    ];
    try {
      // The instance's own channel: subscribed as it registers.
      await linkTwo.subscribed(linkTwo.key('instance-events:two'));
      await linkOne.subscribed(linkOne.key('room-events:room'));
      await linkTwo.subscribed(linkTwo.key('room-events:room'));
      const signal: SignalEvent = {
        type: 'signal',
        from: 'u-client-1',
        to: 'u-client-2',
        epoch: 1,
        data: '{"n":1}',
      };
      await one.publish('room', signal, 'two');
      await Promise.all([linkOne.settle(), linkTwo.settle()]);
      expect(heard).toEqual({ one: [], two: [signal] });

      const everyone = { ...signal, data: '{"n":2}' };
      await one.publish('room', everyone);
      await Promise.all([linkOne.settle(), linkTwo.settle()]);
      expect(heard).toEqual({ one: [everyone], two: [signal, everyone] });
    } finally {
      for (const off of offs) off();
      for (const stop of stops) stop();
    }
  });
});

describe('account rooms on redis: users of any spelling', () => {
  it('each have one room key, shared by the instances, found again by the same user', async () => {
    const prefix = 'users:';
    const [one, two] = await Promise.all(
      [0, 1].map(() => accountServer({ redisUrl: redis.url, redisKeyPrefix: prefix })),
    );
    if (!one || !two) throw new Error('no instances');
    const subjects = [
      'auth0|64f1c2',
      'google-oauth2|1098765432109876',
      'bob@example.com',
      'x'.repeat(100),
    ];
    for (const subject of subjects) {
      const first = await one.join(await tokenFor(subject));
      const second = await two.join(await tokenFor(subject));
      const user = spellUser(subject);
      expect(second.welcome?.members.map((member) => member.id)).toEqual([
        `${user}-client-1`,
        `${user}-client-2`,
      ]);
      // Across instances, through the store: the room is the same one.
      second.send({ type: 'signal', to: `${user}-broadcaster`, data: subject });
      expect((await first.next('signal')).data).toBe(subject);
    }
    const probe = await RedisLink.connect({ url: redis.url, keyPrefix: prefix });
    links.push(probe);
    const rooms = (await probe.commands.keys(`${prefix}room:*`)).map((key) =>
      key.slice(prefix.length),
    );
    expect(rooms.sort()).toEqual(
      subjects.map((subject) => `room:jwt:${spellUser(subject)}`).sort(),
    );
  });
});

describe('a server whose Redis stores cannot all start', () => {
  it('fails to start and leaves no connection to Redis open', async () => {
    const watcher = await link();
    const ours = async () =>
      String(await watcher.commands.client('LIST'))
        .split('\n')
        .filter((line) => / name=webrtc-connect(-events)? /.test(line)).length;
    const before = await ours();
    // The resume boxes' wake-up channel is never confirmed: as when subscribing times out.
    const failing = vi
      .spyOn(RedisResumeBoxStore, 'create')
      .mockRejectedValue(new Error('cannot subscribe to Redis events'));
    try {
      await expect(
        createServer({ redisUrl: redis.url, redisKeyPrefix: 'failing:', logLevel: 'silent' }),
      ).rejects.toThrow('cannot subscribe');
    } finally {
      failing.mockRestore();
    }
    await eventually(async () => (await ours()) === before, { timeoutMs: 3_000 });
  });
});
