import { RedisLink } from '@webrtc-connect/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../test/harness/redis-server.ts';
import {
  type AccountServer,
  accountServer,
  deviceKeys,
  type TestDevice,
  tokenFor,
} from './account-helpers.ts';

// A device that proves the same key again is the same device: it gets its id back, and an older
// socket still holding that id is closed, so the room never lists it twice. In one process (the
// memory store) and across two instances sharing Redis, where the device comes back through
// the other instance.
let redis: RedisServer;
let prefixes = 0;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

type Deployment = { first: AccountServer; second: AccountServer; prefix: string | undefined };

const deployments: Record<string, (keepMs?: number) => Promise<Deployment>> = {
  memory: async (deviceKeepMs) => {
    const server = await accountServer(deviceKeepMs === undefined ? {} : { deviceKeepMs });
    return { first: server, second: server, prefix: undefined };
  },
  redis: async (deviceKeepMs) => {
    prefixes += 1;
    const prefix = `device-keys${prefixes}:`;
    const options = {
      redisUrl: redis.url,
      redisKeyPrefix: prefix,
      ...(deviceKeepMs === undefined ? {} : { deviceKeepMs }),
    };
    const [first, second] = await Promise.all([accountServer(options), accountServer(options)]);
    if (!first || !second) throw new Error('no instances');
    return { first, second, prefix };
  },
};

/** Every id each room frame `device` got listed, once per frame: no frame may list one twice. */
function idsSeen(device: TestDevice): string[][] {
  return device.received.flatMap((frame) =>
    frame.type === 'room' || frame.type === 'welcome' ? [frame.members.map((m) => m.id)] : [],
  );
}

describe.each(Object.keys(deployments))('device keys (%s room store)', (kind) => {
  const deploy = deployments[kind] as (keepMs?: number) => Promise<Deployment>;

  it('a device that reconnects with its key gets its id back; ids are never given twice', async () => {
    const { first, second } = await deploy();
    const user = `keeper-${kind}`;
    const [a, b] = [await deviceKeys(), await deviceKeys()];
    const one = await first.open();
    expect((await one.helloAsDevice(await tokenFor(user), a)).id).toBe(`${user}-client-1`);
    const two = await first.open();
    expect((await two.helloAsDevice(await tokenFor(user), b)).id).toBe(`${user}-client-2`);
    two.kill();
    await one.next('room', (frame) => frame.members.length === 1);
    // Back through the other instance (the same one, in memory), with its key: the same id.
    const back = await second.open();
    expect((await back.helloAsDevice(await tokenFor(user), b)).id).toBe(`${user}-client-2`);
    const room = await one.next('room', (frame) => frame.members.length === 2);
    expect(room.members.map((member) => member.id)).toEqual([
      `${user}-client-1`,
      `${user}-client-2`,
    ]);
    // A new key, and a device without one, get ids nobody had.
    const three = await second.open();
    expect((await three.helloAsDevice(await tokenFor(user), await deviceKeys())).id).toBe(
      `${user}-client-3`,
    );
    expect((await second.join(await tokenFor(user))).id).toBe(`${user}-client-4`);
  });

  it('closes the older socket of a device that joined again (ERR_DEVICE_REPLACED, 4409): no ghost', async () => {
    const { first, second } = await deploy();
    const user = `replaced-${kind}`;
    const keys = await deviceKeys();
    const watcher = await first.join(await tokenFor(user));
    const old = await first.open();
    expect((await old.helloAsDevice(await tokenFor(user), keys)).id).toBe(`${user}-client-2`);
    await watcher.next('room', (frame) => frame.members.length === 2);
    // Its socket is still open (a network change the server has not noticed): the new one wins.
    const fresh = await second.open();
    expect((await fresh.helloAsDevice(await tokenFor(user), keys)).id).toBe(`${user}-client-2`);
    await old.error('ERR_DEVICE_REPLACED');
    expect((await old.closed).code).toBe(4409);
    // The watcher learns of the new member under the old id, and never sees it twice.
    const room = await watcher.next('room', (frame) =>
      frame.members.some((m) => m.id === `${user}-client-2` && m.joinedAt !== undefined),
    );
    expect(room.members.map((member) => member.id)).toEqual([
      `${user}-client-1`,
      `${user}-client-2`,
    ]);
    await fresh.roundTrip();
    await watcher.roundTrip();
    for (const ids of idsSeen(watcher)) expect(new Set(ids).size).toBe(ids.length);
    expect(idsSeen(watcher).flat()).not.toContain(`${user}-client-3`);
    // Signals for that id reach the new socket.
    watcher.send({ type: 'signal', to: `${user}-client-2`, data: 'to the new socket' });
    expect((await fresh.next('signal')).data).toBe('to the new socket');
  });

  it('a broadcaster that joins again is replaced as broadcaster (epoch + 1) and comes back as a client', async () => {
    const { first, second } = await deploy();
    const user = `broadcaster-${kind}`;
    const keys = await deviceKeys();
    const old = await first.open();
    const welcome = await old.helloAsDevice(await tokenFor(user), keys);
    expect(welcome.broadcaster).toBe(`${user}-client-1`);
    const other = await first.join(await tokenFor(user));
    const fresh = await second.open();
    const again = await fresh.helloAsDevice(await tokenFor(user), keys);
    expect(again.id).toBe(`${user}-client-1`);
    expect(again.broadcaster).toBe(`${user}-client-2`);
    expect(again.epoch).toBe(2);
    await old.error('ERR_DEVICE_REPLACED');
    const room = await other.nextRoom(2, `${user}-client-2`);
    expect(room.members.map((member) => member.id).sort()).toEqual([
      `${user}-client-1`,
      `${user}-client-2`,
    ]);
  });

  it('keeps a room with no members for its devices, and forgets a key on a clean leave that asks', async () => {
    const { first, second, prefix } = await deploy();
    const user = `empty-${kind}`;
    const keys = await deviceKeys();
    const one = await first.open();
    await one.helloAsDevice(await tokenFor(user), keys);
    const two = await first.join(await tokenFor(user));
    one.kill();
    two.kill();
    await Promise.all([one.closed, two.closed]);
    if (prefix !== undefined) {
      // The empty room expires in Redis with its last kept key (a day by default).
      const probe = await RedisLink.connect({ url: redis.url, keyPrefix: prefix });
      try {
        const key = `${prefix}room:jwt:${user}`;
        await expect
          .poll(async () => JSON.parse((await probe.commands.hget(key, 's')) ?? '{}').members)
          .toEqual([]);
        const ttl = await probe.commands.pttl(key);
        expect(ttl).toBeGreaterThan(86_000_000);
        expect(ttl).toBeLessThanOrEqual(86_400_000);
      } finally {
        await probe.close();
      }
    }
    const back = await second.open();
    const welcome = await back.helloAsDevice(await tokenFor(user), keys);
    expect(welcome.id).toBe(`${user}-client-1`);
    // The counter lived on with the room: client-2 went without a key, and is not given again.
    expect((await second.join(await tokenFor(user))).id).toBe(`${user}-client-3`);
    back.send({ type: 'leave', forget: true });
    await back.closed;
    const again = await first.open();
    expect((await again.helloAsDevice(await tokenFor(user), keys)).id).toBe(`${user}-client-4`);
  });

  it('keeps an id no longer than --device-keep', async () => {
    const { first, second } = await deploy(0);
    const user = `short-${kind}`;
    const keys = await deviceKeys();
    const stays = await first.join(await tokenFor(user));
    const one = await first.open();
    expect((await one.helloAsDevice(await tokenFor(user), keys)).id).toBe(`${user}-client-2`);
    one.kill();
    await stays.next('room', (frame) => frame.members.length === 1);
    const back = await second.open();
    expect((await back.helloAsDevice(await tokenFor(user), keys)).id).toBe(`${user}-client-3`);
  });
});

describe('device keys: the server clock', () => {
  it('a room kept for a device key is gone once the server clock passes --device-keep', async () => {
    let ahead = 0;
    const server = await accountServer({ deviceKeepMs: 60_000, clock: () => Date.now() + ahead });
    const user = 'clocked';
    const keys = await deviceKeys();
    const keyed = await server.open();
    expect((await keyed.helloAsDevice(await tokenFor(user), keys)).id).toBe(`${user}-client-1`);
    const keyless = await server.join(await tokenFor(user));
    expect(keyless.id).toBe(`${user}-client-2`);
    // A clean leave closes the socket only once the room has changed.
    for (const device of [keyless, keyed]) {
      device.send({ type: 'leave' });
      await device.closed;
    }
    ahead = 60_000;
    // Had the kept room lived on, its counter would give client-3.
    expect((await server.join(await tokenFor(user))).id).toBe(`${user}-client-1`);
  });
});

describe('device keys: refusals', () => {
  it('refuses a hello whose key is not a P-256 public key (ERR_DEVICE_KEY, 4400)', async () => {
    const server = await accountServer();
    const token = await tokenFor('bad-key');
    const { x } = await crypto.subtle.exportKey('jwk', (await deviceKeys()).publicKey);
    const bad = [
      { kty: 'EC', crv: 'P-384', x, y: x },
      { kty: 'EC', crv: 'P-256', x, y: 'A'.repeat(43) },
      { kty: 'RSA', n: 'AQAB', e: 'AQAB' },
      'a key',
      { kty: 'EC', crv: 'P-256', x, y: x, d: x },
    ];
    for (const deviceKey of bad) {
      const device = await server.open();
      device.send({ type: 'hello', version: 1, token, deviceKey });
      await device.error('ERR_DEVICE_KEY');
      expect((await device.closed).code).toBe(4400);
    }
  });

  it('refuses a proof signed by another key, or garbled (ERR_DEVICE_PROOF, 4401)', async () => {
    const server = await accountServer();
    const keys = await deviceKeys();
    const other = await deviceKeys();
    const device = await server.open();
    await expect(
      device.helloAsDevice(await tokenFor('bad-proof'), keys, other.privateKey),
    ).rejects.toThrow(/no welcome frame/);
    expect(device.received.at(-1)).toMatchObject({ type: 'error', code: 'ERR_DEVICE_PROOF' });
    expect((await device.closed).code).toBe(4401);

    const garbled = await server.open();
    const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keys.publicKey);
    garbled.send({
      type: 'hello',
      version: 1,
      token: await tokenFor('bad-proof'),
      deviceKey: { kty, crv, x, y },
    });
    await garbled.next('challenge');
    garbled.send({ type: 'proof', signature: 'AAAA' });
    await garbled.error('ERR_DEVICE_PROOF');
    expect((await garbled.closed).code).toBe(4401);
  });

  it('checks the token before it challenges: a bad token never gets a challenge', async () => {
    const server = await accountServer();
    const device = await server.open();
    const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', (await deviceKeys()).publicKey);
    device.send({ type: 'hello', version: 1, token: 'not.a.token', deviceKey: { kty, crv, x, y } });
    await device.error('ERR_TOKEN_MALFORMED');
    expect(device.received.some((frame) => frame.type === 'challenge')).toBe(false);
  });
});
