/**
 * Account failover: the time from the broadcaster's end to every other device being attached to
 * the new broadcaster (its data channel open, or being the new broadcaster itself), over many
 * changes in a room of 10 devices. Two ways to end: killed (SIGKILL to the broadcaster's
 * process: its sockets and peer connections die with it) and silent (SIGSTOP: the process
 * freezes, sends nothing, and the server only finds out after 3 heartbeats; it is killed once
 * the room has moved on). After each change a new device joins, so the room keeps its size.
 *
 * The real `webrtc-connect serve` runs in its own process with development sign-in and its
 * default heartbeat; each device (@roamhq/wrtc and `ws`, bench/failover-device.ts) runs in a
 * process of its own and stamps its reports with the wall clock, so neither IPC nor one
 * process's stall delays another's figures.
 *
 *   bash scripts/in-netns.sh tsx --conditions=@webrtc-connect/source bench/account-failover.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { devSignIn } from '../test/harness/account-devices.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';
import { type ServeProcess, startServeProcess } from '../test/harness/serve-process.ts';
import type { DeviceReport } from './failover-device.ts';

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
  /** The machine's 1-minute load average before and after (other work skews the figures). */
  loadAverage: number[];
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
    const token = await devSignIn(server.url, 'bench-failover');
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
      heartbeat: 'server default (750 ms for the broadcaster; silent after 3)',
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
    `\nAccount failover: ${result.devices} devices (a process each, server in another), ` +
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
      'load avg': figures.loadAverage.join(' → '),
    })),
  );
  for (const figures of [result.killed, result.silent]) {
    console.log(`${figures.ending}, each change in ms: ${figures.timesMs.join(' ')}`);
  }
}

/** One device in its own process, and its latest report. */
interface DeviceProcess {
  child: ChildProcess;
  last: DeviceReport | undefined;
  /** Called at every report. */
  listeners: Set<(report: DeviceReport) => void>;
}

function startDevice(server: string, token: string): Promise<DeviceProcess> {
  const file = fileURLToPath(new URL('./failover-device.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@webrtc-connect/source', '--import', 'tsx', file, server],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ACCOUNT_TOKEN: token },
    },
  );
  const device: DeviceProcess = { child, last: undefined, listeners: new Set() };
  child.on('message', (report: DeviceReport) => {
    device.last = report;
    for (const listener of device.listeners) listener(report);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a device did not join in time')), 30_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve(device);
    });
    child.once('exit', (code) => reject(new Error(`a device exited with ${code} before joining`)));
  });
}

/** Resolves with the report `check` accepts first (the latest one included). */
function reportWhere(
  device: DeviceProcess,
  check: (report: DeviceReport) => boolean,
  what: string,
): Promise<DeviceReport> {
  return new Promise((resolve, reject) => {
    const done = (report: DeviceReport) => {
      clearTimeout(timer);
      device.listeners.delete(listener);
      resolve(report);
    };
    const listener = (report: DeviceReport) => {
      if (check(report)) done(report);
    };
    const timer = setTimeout(() => {
      device.listeners.delete(listener);
      reject(new Error(`${device.last?.id ?? 'a device'}: ${what} not in time`));
    }, CHANGE_TIMEOUT_MS);
    device.listeners.add(listener);
    if (device.last && check(device.last)) done(device.last);
  });
}

/** One room of `devices`, its broadcaster taken away `changes` times, each change timed. */
async function timeChanges(
  server: string,
  token: string,
  ending: Ending,
  changes: number,
  devices: number,
): Promise<FailoverFigures> {
  let room: DeviceProcess[] = [];
  const gone: DeviceProcess[] = [];
  const loadBefore = loadAverage();
  const join = async () => {
    room.push(await startDevice(server, token));
    await settled(room);
  };
  const timesMs: number[] = [];
  try {
    for (let n = 0; n < devices; n += 1) await join();
    for (let change = 0; change < changes; change += 1) {
      const broadcaster = room.find((device) => device.last?.role === 'broadcaster');
      const epoch = broadcaster?.last?.epoch;
      if (!broadcaster || epoch === undefined) throw new Error('no broadcaster');
      room = room.filter((device) => device !== broadcaster);
      gone.push(broadcaster);
      const attached = room.map((device) =>
        reportWhere(
          device,
          (report) => report.epoch > epoch && report.state === 'connected',
          `attached past epoch ${epoch}`,
        ),
      );
      const start = performance.timeOrigin + performance.now();
      broadcaster.child.kill(ending === 'killed' ? 'SIGKILL' : 'SIGSTOP');
      const ends = await Promise.all(attached);
      timesMs.push(Math.round(Math.max(...ends.map((report) => report.at)) - start));
      if (ending === 'silent') broadcaster.child.kill('SIGKILL');
      await join();
    }
  } finally {
    for (const device of room) device.child.send({ cmd: 'leave' });
    for (const device of [...room, ...gone]) {
      setTimeout(() => device.child.kill('SIGKILL'), 1000).unref();
    }
  }
  const sorted = [...timesMs].sort((a, b) => a - b);
  return {
    ending,
    changes,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? 0,
    timesMs,
    loadAverage: [loadBefore, loadAverage()],
  };
}

/** Every device sees the same room, connected: the state the next change starts from. */
async function settled(devices: DeviceProcess[]): Promise<void> {
  const epoch = () => Math.max(...devices.map((device) => device.last?.epoch ?? 0));
  for (;;) {
    const target = epoch();
    await Promise.all(
      devices.map((device) =>
        reportWhere(
          device,
          (report) =>
            report.epoch >= target &&
            report.state === 'connected' &&
            report.members === devices.length,
          'settled',
        ),
      ),
    );
    if (devices.every((device) => device.last?.epoch === epoch())) return;
  }
}

/** The machine's 1-minute load average. */
function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Nearest rank: with 20 samples, p99 is the largest. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

/** `webrtc-connect serve` with development sign-in and every account default, on a free port. */
function startServerProcess(): Promise<ServeProcess> {
  return startServeProcess(['--dev-sign-in', '--rate-limit', '0']);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchAccountFailover({ changes: Number(process.argv[2] ?? CHANGES) });
}
