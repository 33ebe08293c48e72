/**
 * Several instances on one Redis, in one run:
 *
 * - Relay: signals relayed per second and their one-way p99, 100 device pairs bouncing one
 *   signal each as fast as it comes back (bench/instances-load.ts, its own process), through
 *   one instance in memory (the reference), one instance on Redis, and three instances on
 *   Redis with the two devices of every pair on different instances (every signal crosses).
 * - Failover when an instance dies: 6 devices (@roamhq/wrtc, in this process) spread over
 *   three instances; the process holding the broadcaster's socket is killed (SIGKILL); the time
 *   from the kill to every surviving device attached to the new broadcaster. Then a fresh
 *   instance takes the dead one's place and its devices join again, and the next round starts.
 *   The others notice a killed instance at the second liveness beat (a third of the instance
 *   TTL, the default 3 s here) that finds its Redis subscription gone, or at the latest when
 *   its liveness key expires.
 * - Recovery from a Redis restart that loses every key: from redis-server answering again to
 *   every instance healthy and the room back in Redis with all its members.
 *
 *   bash scripts/in-netns.sh tsx --conditions=@webrtc-connect/source bench/instances.ts
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type Device, joinDevice, until } from '../test/harness/account-devices.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';
import { type RedisServer, startRedisServer } from '../test/harness/redis-server.ts';
import { instanceToken, startInstance } from '../test/harness/server-instances.ts';
import type { RelayCommand, RelayReport } from './instances-load.ts';

const PAIRS = 100;
const RELAY_SECONDS = 10;
const DEVICES = 6;
const FAILOVER_ROUNDS = 10;
const RECOVERY_ROUNDS = 3;
/** The default. */
const INSTANCE_TTL_MS = 3_000;
const TIMEOUT_MS = 20_000;
/** Every instance: no per-address limits (all load comes from 127.0.0.1). */
const SERVE_ARGS = ['--rate-limit', '0', '--max-frames-per-second', '100000'];

interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
}

export interface RelayFigures {
  setup: string;
  instances: number;
  relayed: number;
  relayedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  loadCpu: number;
}

export interface InstancesResult {
  targets: Target[];
  pairs: number;
  relay: RelayFigures[];
  instanceTtlMs: number;
  failover: { rounds: number; p50Ms: number; p99Ms: number; maxMs: number; timesMs: number[] };
  recovery: { rounds: number; timesMs: number[]; maxMs: number };
}

export async function benchInstances(): Promise<InstancesResult> {
  assertPrivateNetns();
  const redis = await startRedisServer();
  try {
    const relay = [
      await measureRelay('one instance, in memory', 1, null),
      await measureRelay('one instance, Redis', 1, redis.url),
      await measureRelay('three instances, Redis, every signal crossing', 3, redis.url),
    ];
    const failover = await measureFailover(redis);
    const recovery = await measureRecovery(redis);
    const result: InstancesResult = {
      targets: [],
      pairs: PAIRS,
      relay,
      instanceTtlMs: INSTANCE_TTL_MS,
      failover,
      recovery,
    };
    printInstances(result);
    return result;
  } finally {
    await redis.stop();
  }
}

export function printInstances(result: InstancesResult): void {
  console.log(`\nRelay through instances (${result.pairs} pairs, ${RELAY_SECONDS} s each)`);
  console.table(
    result.relay.map((figures) => ({
      setup: figures.setup,
      'signals/s': figures.relayedPerSecond,
      'p50 ms': figures.p50Ms,
      'p99 ms': figures.p99Ms,
      'load client CPU': figures.loadCpu,
    })),
  );
  const { failover, recovery } = result;
  console.log(
    `\nFailover when the instance holding the broadcaster's socket is killed (instance TTL ${result.instanceTtlMs} ms, ${failover.rounds} rounds)`,
  );
  console.table([{ 'p50 ms': failover.p50Ms, 'p99 ms': failover.p99Ms, 'max ms': failover.maxMs }]);
  console.log(`\nRecovery after a Redis restart that lost every key (${recovery.rounds} rounds)`);
  console.table([{ 'times ms': recovery.timesMs.join(', '), 'max ms': recovery.maxMs }]);
}

async function measureRelay(
  setup: string,
  count: number,
  redisUrl: string | null,
): Promise<RelayFigures> {
  const instances = await Promise.all(
    Array.from({ length: count }, () => startInstance(redisUrl, SERVE_ARGS)),
  );
  const load = startLoadClient();
  try {
    const report = await load.ask({
      urls: instances.map((instance) => instance.url),
      pairs: PAIRS,
      seconds: RELAY_SECONDS,
    });
    if (!report.ok) throw new Error(`the load client failed: ${report.message}`);
    return {
      setup,
      instances: count,
      relayed: report.relayed,
      relayedPerSecond: Math.round(report.relayed / report.seconds),
      p50Ms: report.p50Ms,
      p99Ms: report.p99Ms,
      loadCpu: report.loadCpu,
    };
  } finally {
    await load.stop();
    await Promise.all(instances.map((instance) => instance.stop()));
  }
}

async function measureFailover(redis: RedisServer) {
  const args = [...SERVE_ARGS, '--instance-ttl', String(INSTANCE_TTL_MS)];
  const instances = await Promise.all([0, 1, 2].map(() => startInstance(redis.url, args)));
  const started = performance.now();
  const token = await instanceToken('bench-failover');
  const where = new Map<Device, number>();
  let devices: Device[] = [];
  const join = async (n: number) => {
    const device = await joinDevice(instances[n]?.url ?? '', token);
    where.set(device, n);
    devices.push(device);
  };
  const timesMs: number[] = [];
  try {
    for (let n = 0; n < DEVICES; n += 1) await join(n % 3);
    await settled(devices);
    // Steady state: an instance takes nobody out in its first TTL (Redis may have just
    // restarted, with the others not back yet).
    const grace = started + INSTANCE_TTL_MS - performance.now();
    if (grace > 0) await new Promise((resolve) => setTimeout(resolve, grace));
    for (let round = 0; round < FAILOVER_ROUNDS; round += 1) {
      const broadcaster = devices.find((device) => device.session.role === 'broadcaster');
      const dead = broadcaster ? where.get(broadcaster) : undefined;
      const instance = dead === undefined ? undefined : instances[dead];
      if (dead === undefined || !instance) throw new Error('no broadcaster');
      const epoch = broadcaster?.session.epoch ?? 0;
      const lost = devices.filter((device) => where.get(device) === dead);
      const survivors = devices.filter((device) => where.get(device) !== dead);
      const start = performance.now();
      await instance.kill();
      await until(
        survivors.map((device) => device.session),
        () =>
          survivors.every(({ session }) => session.epoch > epoch && session.state === 'connected'),
        TIMEOUT_MS,
      );
      timesMs.push(Math.round(performance.now() - start));
      for (const device of lost) device.session.leave();
      devices = survivors;
      instances[dead] = await startInstance(redis.url, args);
      for (let n = 0; n < lost.length; n += 1) await join(dead);
      await settled(devices);
    }
  } finally {
    for (const device of devices) device.session.leave();
    await Promise.all(instances.map((instance) => instance.stop()));
  }
  const sorted = [...timesMs].sort((a, b) => a - b);
  return {
    rounds: timesMs.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? 0,
    timesMs,
  };
}

async function measureRecovery(redis: RedisServer) {
  const instances = await Promise.all([0, 1, 2].map(() => startInstance(redis.url, SERVE_ARGS)));
  const token = await instanceToken('bench-recovery');
  const devices: Device[] = [];
  const timesMs: number[] = [];
  try {
    for (let n = 0; n < DEVICES; n += 1) {
      devices.push(await joinDevice(instances[n % 3]?.url ?? '', token));
    }
    await settled(devices);
    for (let round = 0; round < RECOVERY_ROUNDS; round += 1) {
      await redis.kill();
      await redis.start();
      const start = performance.now();
      const client = new Redis(redis.url, { lazyConnect: true });
      await client.connect();
      try {
        await poll(async () => {
          const healthy = await Promise.all(
            instances.map((instance) =>
              fetch(`${instance.url}/api/health`).then(
                (response) => response.ok,
                () => false,
              ),
            ),
          );
          if (!healthy.every(Boolean)) return false;
          const keys = await client.keys('webrtc-connect:room:*');
          if (keys.length !== 1 || !keys[0]) return false;
          const draft = await client.hget(keys[0], 's');
          return draft !== null && (JSON.parse(draft).members as unknown[]).length === DEVICES;
        });
      } finally {
        client.disconnect();
      }
      timesMs.push(Math.round(performance.now() - start));
      await settled(devices);
    }
  } finally {
    for (const device of devices) device.session.leave();
    await Promise.all(instances.map((instance) => instance.stop()));
  }
  return { rounds: timesMs.length, timesMs, maxMs: Math.max(...timesMs) };
}

/** Every device sees the same room, connected. */
function settled(devices: Device[]): Promise<void> {
  return until(
    devices.map((device) => device.session),
    () => {
      const epoch = devices[0]?.session.epoch;
      return devices.every(
        ({ session }) =>
          session.epoch === epoch &&
          session.state === 'connected' &&
          session.members.length === devices.length,
      );
    },
    TIMEOUT_MS,
  );
}

/** Looks every 10 ms until `check` holds (TIMEOUT_MS at most). */
async function poll(check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('not recovered in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Nearest rank: with 10 samples, p99 is the largest. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

function startLoadClient() {
  const file = fileURLToPath(new URL('./instances-load.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ask(command: RelayCommand): Promise<RelayReport> {
      return new Promise((resolve, reject) => {
        child.once('message', (report) => resolve(report as RelayReport));
        child.once('exit', (code) => reject(new Error(`the load client exited with ${code}`)));
        child.send(command);
      });
    },
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchInstances();
