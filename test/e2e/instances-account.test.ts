import { afterEach, describe, expect, it } from 'vitest';
import { type Device, joinDevice, until } from '../harness/account-devices.ts';
import {
  deliveryProblems,
  type FailoverRun,
  lastMessagesArrived,
  settled,
} from '../harness/account-failover.ts';
import { type RedisServer, startRedisServer } from '../harness/redis-server.ts';
import { instanceToken, type ServerInstance, startInstance } from '../harness/server-instances.ts';
import { eventually } from '../support/eventually.ts';

// Account rooms over three `webrtc-connect serve` processes on one real redis-server: the
// devices of one user, spread over the instances, are one room with one broadcaster and one
// epoch sequence, and the delivery promise holds when an instance is killed or Redis restarts.
const INSTANCE_TTL_MS = 1_500;

let redis: RedisServer | undefined;
let instances: ServerInstance[] = [];
let devices: Device[] = [];

afterEach(async () => {
  for (const device of devices) device.session.leave();
  devices = [];
  await Promise.all(instances.map((instance) => instance.stop()));
  instances = [];
  await redis?.stop();
  redis = undefined;
});

async function cluster(): Promise<{ redis: RedisServer; urls: string[] }> {
  redis = await startRedisServer();
  const url = redis.url;
  instances = await Promise.all(
    [0, 1, 2].map(() => startInstance(url, ['--instance-ttl', String(INSTANCE_TTL_MS)])),
  );
  return { redis, urls: instances.map((instance) => instance.url) };
}

/** Devices joined one after another, the n-th on instance n mod 3. */
async function spread(urls: string[], user: string, count: number) {
  const token = await instanceToken(user);
  const where = new Map<Device, number>();
  for (let n = 0; n < count; n += 1) {
    // Its own instance first, then the others: where it joins again if its instance dies.
    const first = n % urls.length;
    const device = await joinDevice([...urls.slice(first), ...urls.slice(0, first)], token);
    devices.push(device);
    where.set(device, n % urls.length);
  }
  await settled(devices, 0);
  return where;
}

/** Devices sending messages with unique bodies, each remembered, each delivery awaited. */
function traffic(everyone: Device[]) {
  const sent = new Map<Device, string[]>(everyone.map((device) => [device, []]));
  const delivered: Array<{ device: Device; done: Promise<void> }> = [];
  let survivors = everyone;
  const send = (group: Device[]) => {
    for (const device of group) {
      if (device.session.state === 'closed') continue;
      const list = sent.get(device) ?? [];
      const body = `${device.session.id}#${list.length + 1}`;
      list.push(body);
      const done = device.session.send(body);
      done.catch(() => {});
      delivered.push({ device, done });
    }
  };
  let ticker: ReturnType<typeof setInterval> | undefined;
  return {
    sent,
    send,
    tick(ms: number) {
      ticker = setInterval(() => send(survivors), ms);
    },
    stopTicking() {
      clearInterval(ticker);
    },
    keepOnly(group: Device[]) {
      survivors = group;
    },
    /** Everything the survivors sent is acknowledged and has reached every other survivor. */
    async finish(): Promise<FailoverRun> {
      clearInterval(ticker);
      send(survivors);
      // A device whose instance died keeps trying to join again at its dead address: its last
      // messages wait for that and are no part of the promise to the survivors.
      await Promise.all(
        delivered.filter(({ device }) => survivors.includes(device)).map(({ done }) => done),
      );
      await lastMessagesArrived(survivors, sent);
      return {
        everyone,
        survivors,
        sent,
        sentBeforeJoin: new Map(everyone.map((device) => [device, new Map()])),
      };
    },
  };
}

/** Instances notice Redis going and coming within seconds; 50 ms between looks is enough. */
const slowly = { timeoutMs: 20_000, everyMs: 50 };

const health = async (url: string) => {
  const response = await fetch(`${url}/api/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('account rooms over three instances on one Redis', () => {
  it('is one room for devices on every instance, and survives the death of the instance holding the broadcaster’s socket', async () => {
    const { urls } = await cluster();
    const where = await spread(urls, 'spread', 9);
    // One room: the same members, roles and epoch, seen from every instance.
    const views = devices.map((device) =>
      JSON.stringify([device.session.epoch, device.session.members.map((m) => [m.id, m.role])]),
    );
    expect(new Set(views).size).toBe(1);
    expect(devices[0]?.session.role).toBe('broadcaster');
    expect(devices.map((device) => device.session.epoch)).toEqual(Array(9).fill(1));

    const run = traffic(devices);
    for (let n = 0; n < 5; n += 1) run.send(devices);
    // The broadcaster's socket is on instance 0: kill that process. Its devices lose their
    // socket and join again through the next instance on their list, under their ids (their
    // device keys), each listed once.
    const moved = devices.filter((device) => where.get(device) === 0);
    const oldIds = new Set(moved.map((device) => device.session.id));
    const survivors = devices.filter((device) => where.get(device) !== 0);
    run.keepOnly(survivors);
    await instances[0]?.kill();
    for (let n = 0; n < 5; n += 1) run.send(survivors);
    run.tick(50);
    // One room of nine again: the dead instance's members gone, the moved devices back in.
    await settled(devices, 1, 30_000);
    run.stopTicking();

    const broadcasters = new Set(
      devices.map((device) => device.session.members.find((m) => m.role === 'broadcaster')?.id),
    );
    expect(broadcasters.size).toBe(1);
    expect(devices.map((device) => device.session.epoch)).toEqual(Array(9).fill(2));
    expect(new Set(moved.map((device) => device.session.id))).toEqual(oldIds);
    for (const device of devices) {
      const ids = device.session.members.map((m) => m.id);
      expect(new Set(ids).size).toBe(9);
      expect(ids.length).toBe(9);
    }
    // What the moved devices sent before their instance died reaches every survivor once, in
    // order: they sent it again through their new instance.
    const from = (receiver: Device, sender: Device) => {
      const theirs = new Set(run.sent.get(sender));
      return receiver.received.map(({ data }) => data).filter((data) => theirs.has(String(data)));
    };
    await until(
      devices.map((device) => device.session),
      () =>
        survivors.every((receiver) => moved.every((sender) => from(receiver, sender).length >= 5)),
    );
    for (const receiver of survivors) {
      for (const sender of moved) expect(from(receiver, sender)).toEqual(run.sent.get(sender));
    }
    const result = await run.finish();
    expect(deliveryProblems(result)).toEqual([]);
    // Traffic went on while the instance was found dead and a new broadcaster promoted.
    expect(
      Math.min(...survivors.map((device) => run.sent.get(device)?.length ?? 0)),
    ).toBeGreaterThan(10);
  }, 90_000);

  it('recovers from a Redis restart that lost every key: same ids, same broadcaster, nothing lost', async () => {
    const { redis: server, urls } = await cluster();
    await spread(urls, 'restart', 6);
    const before = devices[0]?.session.members.map((m) => [m.id, m.role]);
    const run = traffic([...devices]);
    run.tick(50);

    await server.kill();
    // While Redis is away: a clear error with a stable code, at once, on every instance.
    for (const url of urls) {
      await eventually(async () => (await health(url)).status === 503, slowly);
      const { body } = await health(url);
      expect((body.error as { code: string }).code).toBe('ERR_STORE_UNAVAILABLE');
      const posted = await fetch(`${url}/api/offers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(posted.status).toBe(503);
      expect(posted.headers.get('retry-after')).toBe('1');
    }
    const sentDuringOutage = [...run.sent.values()].reduce((sum, list) => sum + list.length, 0);

    await server.start();
    for (const url of urls) {
      await eventually(async () => (await health(url)).body.link === 'connected', slowly);
    }
    // The room is back in Redis: a device joining now gets the next id, not a reused one.
    const late = await joinDevice(urls[1] ?? '', await instanceToken('restart'));
    devices.push(late);
    expect(late.session.id).toBe('restart-client-7');
    await settled(devices, 0);
    expect(devices[0]?.session.members.slice(0, 6).map((m) => [m.id, m.role])).toEqual(before);
    expect(devices.map((device) => device.session.epoch)).toEqual(Array(7).fill(1));

    const result = await run.finish();
    expect(deliveryProblems(result)).toEqual([]);
    const sent = [...run.sent.values()].reduce((sum, list) => sum + list.length, 0);
    expect(sent).toBeGreaterThan(sentDuringOutage);
  }, 90_000);
});
