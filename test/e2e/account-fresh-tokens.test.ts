import { afterEach, describe, expect, it } from 'vitest';
import { type Device, joinDevice } from '../harness/account-devices.ts';
import { lastMessagesArrived, settled } from '../harness/account-failover.ts';
import { type RedisServer, startRedisServer } from '../harness/redis-server.ts';
import { instanceToken, type ServerInstance, startInstance } from '../harness/server-instances.ts';

// Three devices whose tokens live 20 s, each with a token function, on two `webrtc-connect
// serve` processes sharing one Redis, with 1 s of clock leeway, for two minutes: the room lives
// through six expiries, two changes of broadcaster (its socket cut, so it joins again) and the
// death of an instance, each after every token given out has expired, so every join again
// needs a fresh token. Every device keeps its id throughout (its device key).
const TOKEN_SECONDS = 20;
const RUN_MS = 120_000;

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

describe('devices whose tokens expire, with a token function', () => {
  it('stay in one room across expiries, two changes of broadcaster and an instance failover', async () => {
    redis = await startRedisServer();
    const url = redis.url;
    instances = await Promise.all(
      [0, 1].map(() =>
        startInstance(url, ['--instance-ttl', '1500', '--jwt-clock-tolerance', '1']),
      ),
    );
    const [a, b] = instances.map((instance) => instance.url) as [string, string];
    /** When the newest token given out expires, in ms. */
    let lastExpiry = 0;
    const calls = new Map<number, number>();
    const tokenFunction = (n: number) => () => {
      calls.set(n, (calls.get(n) ?? 0) + 1);
      lastExpiry = Date.now() + TOKEN_SECONDS * 1_000;
      return instanceToken('fresh', `${TOKEN_SECONDS}s`);
    };
    // Instance lists: each device joins again through the next one when its socket is lost.
    const lists = [
      [a, b],
      [b, a],
      [a, b],
    ];
    const startedAt = Date.now();
    for (const [n, list] of lists.entries()) {
      devices.push(await joinDevice(list, tokenFunction(n)));
    }
    await settled(devices, 0);
    const ids = devices.map((device) => device.session.id);
    const sessions = devices.map((device) => device.session);
    const rejoins = sessions.map(() => 0);
    for (const [n, session] of sessions.entries()) {
      session.on('rejoined', () => {
        rejoins[n] = (rejoins[n] ?? 0) + 1;
      });
    }
    const sent = new Map<Device, string[]>(devices.map((device) => [device, []]));
    const send = () => {
      for (const device of devices) {
        const list = sent.get(device) ?? [];
        const body = `${list.length + 1} from device ${devices.indexOf(device)}`;
        list.push(body);
        device.session.send(body).catch(() => {});
      }
    };
    const ticker = setInterval(send, 200);
    /** Until every token given out so far has expired, beyond the leeway. */
    const tokensExpired = async () => {
      const until = lastExpiry + 1_500;
      while (Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    const broadcaster = () => devices.find((device) => device.session.role === 'broadcaster');
    try {
      for (let change = 0; change < 2; change += 1) {
        await tokensExpired();
        const epoch = Math.max(...sessions.map((session) => session.epoch));
        broadcaster()?.cutSocket();
        await settled(devices, epoch, 30_000);
      }
      await tokensExpired();
      const epoch = Math.max(...sessions.map((session) => session.epoch));
      await instances[0]?.kill();
      await settled(devices, epoch, 30_000);
      // The rest of the two minutes: tokens keep expiring, the room stays as it is.
      while (Date.now() < startedAt + RUN_MS) await new Promise((done) => setTimeout(done, 500));
    } finally {
      clearInterval(ticker);
    }
    // What each sends now reaches the others, and nobody got anything twice. (A device that
    // joined again missed what was sent while it was away: the library promises no more.)
    send();
    await lastMessagesArrived(devices, sent);
    for (const device of devices) {
      const bodies = device.received.map(({ data }) => String(data));
      expect(new Set(bodies).size).toBe(bodies.length);
    }
    // One room of three, and every join again was made with a token fetched for it.
    const views = sessions.map((session) =>
      JSON.stringify([session.epoch, session.members.map((member) => member.id)]),
    );
    expect(new Set(views).size).toBe(1);
    expect(sessions[0]?.members).toHaveLength(3);
    expect(sessions.map((session) => session.id)).toEqual(ids);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(RUN_MS);
    expect(rejoins.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(4);
    for (const [n, count] of rejoins.entries()) {
      expect(calls.get(n)).toBeGreaterThanOrEqual(1 + count);
    }
    expect(sessions.every((session) => session.state === 'connected')).toBe(true);
  }, 240_000);
});
