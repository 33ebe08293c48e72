/**
 * Account failover: the time from the broadcaster's end to every other device being attached to
 * the new broadcaster (its data channel open, or being the new broadcaster itself), over many
 * changes in a room of 10 devices. Two ways to end: killed (socket terminated, peer connections
 * closed, as a crashed process) and silent (stops every frame, pings included, so the server only
 * finds out after 3 heartbeats). After each change a new device joins, so the room keeps its size.
 *
 * The real `webrtc-connect serve` runs in its own process with development sign-in and its
 * default heartbeat; the 10 devices (@roamhq/wrtc and `ws`) share this process, whose event-loop
 * delay is measured and printed, since a stall would lengthen every figure.
 *
 *   bash scripts/in-netns.sh tsx --conditions=@webrtc-connect/source bench/account-failover.ts
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ACCOUNT_PATHS, type DevSignInResponse } from '@webrtc-connect/server/protocol';
import { type Device, joinDevice, until } from '../test/harness/account-devices.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';
import { type ServerProcess, startServeProcess } from './server-process.ts';

const DEVICES = 10;
const CHANGES = 20;
/** A change not over by then fails the bench rather than hang it. */
const CHANGE_TIMEOUT_MS = 20_000;

type Ending = 'killed' | 'silent';

interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
}

export interface FailoverFigures {
  ending: Ending;
  changes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Every change's time, in order. */
  timesMs: number[];
  /** This process's event-loop delay during the run: devices share it. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export interface AccountFailoverResult {
  targets: Target[];
  devices: number;
  heartbeat: string;
  killed: FailoverFigures;
  silent: FailoverFigures;
}

const LIMITS: Record<Ending, number> = { killed: 1000, silent: 3000 };

export async function benchAccountFailover(
  options: { changes?: number; devices?: number } = {},
): Promise<AccountFailoverResult> {
  assertPrivateNetns();
  const changes = options.changes ?? CHANGES;
  const devices = options.devices ?? DEVICES;
  const server = await startServerProcess();
  try {
    const token = await signIn(server.url, 'bench-failover');
    const killed = await timeChanges(server.url, token, 'killed', changes, devices);
    const silent = await timeChanges(server.url, token, 'silent', changes, devices);
    const result: AccountFailoverResult = {
      targets: [killed, silent].map((figures) => ({
        name: `account failover p99, ${figures.ending} broadcaster`,
        value: figures.p99Ms,
        limit: LIMITS[figures.ending],
        unit: 'ms',
      })),
      devices,
      heartbeat: 'server default (750 ms; silent after 3)',
      killed,
      silent,
    };
    printAccountFailover(result);
    return result;
  } finally {
    await server.stop();
  }
}

export function printAccountFailover(result: AccountFailoverResult): void {
  console.log(
    `\nAccount failover: ${result.devices} devices (one process, server in another), ` +
      `heartbeat ${result.heartbeat}; broadcaster's end → every device attached to the new one`,
  );
  console.table(
    [result.killed, result.silent].map((figures) => ({
      broadcaster: figures.ending,
      changes: figures.changes,
      'p50 ms': figures.p50Ms,
      'p99 ms': figures.p99Ms,
      'max ms': figures.maxMs,
      'target p99 ms': LIMITS[figures.ending],
      'devices loop delay p99 ms': figures.loopDelayP99Ms,
      'devices loop delay max ms': figures.loopDelayMaxMs,
    })),
  );
  for (const figures of [result.killed, result.silent]) {
    console.log(`${figures.ending}, each change in ms: ${figures.timesMs.join(' ')}`);
  }
}

/** One room of `devices`, its broadcaster taken away `changes` times, each change timed. */
async function timeChanges(
  server: string,
  token: string,
  ending: Ending,
  changes: number,
  devices: number,
): Promise<FailoverFigures> {
  let room: Device[] = [];
  const gone: Device[] = [];
  const join = async () => {
    room.push(await joinDevice(server, token));
    await settled(room);
  };
  const timesMs: number[] = [];
  // Only while a change is timed: joins in between stall the loop too, and do not count.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    for (let n = 0; n < devices; n += 1) await join();
    for (let change = 0; change < changes; change += 1) {
      const broadcaster = room.find((device) => device.session.role === 'broadcaster');
      if (!broadcaster) throw new Error('no broadcaster');
      room = room.filter((device) => device !== broadcaster);
      gone.push(broadcaster);
      const attached = room.map((device) => attachedAfter(device, broadcaster.session.epoch));
      loop.enable();
      const start = performance.now();
      if (ending === 'killed') broadcaster.kill();
      else broadcaster.silence();
      const ends = await Promise.all(attached);
      loop.disable();
      timesMs.push(Math.round(Math.max(...ends) - start));
      await join();
    }
  } finally {
    for (const device of [...room, ...gone]) device.session.leave();
  }
  const sorted = [...timesMs].sort((a, b) => a - b);
  return {
    ending,
    changes,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? 0,
    timesMs,
    loopDelayP99Ms: Math.round(loop.percentile(99) / 1e6),
    loopDelayMaxMs: Math.round(loop.max / 1e6),
  };
}

/** When `device` is first attached past `epoch`: connected to (or being) the new broadcaster. */
function attachedAfter(device: Device, epoch: number): Promise<number> {
  const { session } = device;
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const done = (error?: Error) => {
      clearTimeout(timer);
      for (const off of offs) off();
      if (error) reject(error);
      else resolve(performance.now());
    };
    const timer = setTimeout(
      () => done(new Error(`${session.id} not attached in time (e${session.epoch})`)),
      CHANGE_TIMEOUT_MS,
    );
    const test = () => {
      if (session.epoch > epoch && session.state === 'connected') done();
    };
    for (const type of ['state', 'role', 'members'] as const) offs.push(session.on(type, test));
  });
}

/** Every device sees the same room, connected: the state the next change starts from. */
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
    CHANGE_TIMEOUT_MS,
  );
}

/** Nearest rank: with 20 samples, p99 is the largest. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

async function signIn(url: string, name: string): Promise<string> {
  const response = await fetch(new URL(ACCOUNT_PATHS.devSignIn, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
  return ((await response.json()) as DevSignInResponse).token;
}

/** `webrtc-connect serve` with development sign-in and every account default, on a free port. */
function startServerProcess(): Promise<ServerProcess> {
  return startServeProcess(['--dev-sign-in', '--rate-limit', '0']);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchAccountFailover();
