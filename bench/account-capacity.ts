/**
 * Account capacity, our server against the PeerJS server (npm `peer`) in the same run, with the
 * same load clients (bench/capacity-load.ts, in processes of their own): idle authenticated
 * WebSocket connections on one instance and the server's memory per connection, then signals
 * relayed per second and their one-way latency at 100 device pairs.
 *
 * Memory: the connections open in 5 equal steps; after each, the server process (started with
 * --expose-gc and bench/memory-probe.js) collects its garbage and reports its memory and open
 * files. The figure is the median over steps 2 to 5 of (growth of RSS) / (growth of open
 * files, one per connection still open), so neither the
 * start-up nor the code warmed by the first connections counts; heap and external slopes are
 * given beside it.
 *
 * Every process has `ulimit -n` raised to 200,000 or to the hard limit when that is lower. The
 * default count is the 50,000, or as many as one server process may hold where the hard
 * limit is lower (the limit less 1,000: 19,000 on this project's machines, whose limit is
 * 20,000), opened by 2 load processes. Our server: development sign-in, default heartbeat, the
 * per-address request limit off (every connection comes from 127.0.0.1), the frames-a-second
 * limit per socket raised. PeerJS: its defaults, with its 5,000-connection cap raised. Two
 * devices per user (one token) on our server.
 *
 * Relay: the idle connections are closed first; then each pair keeps 8 signals in flight each
 * way (pipelined: the load clients are not waiting on one round trip at a time), for 10 s.
 *
 *   tsx --conditions=@webrtc-connect/source bench/account-capacity.ts [connections [seconds [ours|peerjs]]]
 *
 * bench/capacity-compare.ts runs our part of this against another checkout's server, side by side.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, untilAnswering } from '../test/harness/serve-process.ts';
import type { LoadCommand, LoadReport, ServerKind } from './capacity-load.ts';
import { median } from './compare-trees.ts';

/** The target: idle connections held by one instance. */
const TARGET_CONNECTIONS = 50_000;
/** Files a server process keeps beyond its account sockets (its own, sign-in connections). */
const FILE_MARGIN = 1_000;
export const PAIRS = 100;
export const RELAY_SECONDS = 10;
const RELAY_WINDOW = 8;
const LOAD_PROCESSES = 2;
/** Sign-ins and handshakes each load process has in flight (capacity-load.ts). */
const LOAD_CONCURRENCY = 100;
const MEMORY_STEPS = 5;
/** Lets handshakes and their timers finish before memory is read. */
const SETTLE_MS = 2000;
const ULIMIT = 'ulimit -n 200000 2>/dev/null || ulimit -n hard;';

interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
}

export interface CapacityFigures {
  server: ServerKind;
  asked: number;
  opened: number;
  /** Connections the server still held at the last step (its open files beyond its own). */
  held: number;
  failed: number;
  firstError: string | undefined;
  /** The load processes' longest event-loop stall while opening (their pings wait that long). */
  loadLoopDelayMaxMs: number;
  openSeconds: number;
  /** Memory after garbage collection, after each step of connections. */
  samples: {
    connections: number;
    files: number;
    rssMiB: number;
    heapUsedMiB: number;
    /** The V8 heap's committed size: what of the RSS the heap holds, used or not. */
    heapTotalMiB: number;
    externalMiB: number;
  }[];
  /** RSS growth per connection of steps 2 to 5. */
  rssSlopes: number[];
  /** Median of rssSlopes. */
  bytesPerConnection: number;
  heapBytesPerConnection: number;
  externalBytesPerConnection: number;
  /** RSS growth from step 1 to the last step over the connections added. */
  overallBytesPerConnection: number;
  idleRssMiB: number;
  relayed: number;
  relayedPerSecond: number;
  relayP50Ms: number;
  relayP99Ms: number;
  /** CPU time over wall time while relaying, of the server and of each load process. */
  relayServerCpu: number;
  /** The server's CPU time per relayed signal: what bounds its rate once it has a core to itself. */
  serverCpuMicrosPerSignal: number;
  relayLoadCpu: number[];
  /** The machine's 1-minute load average before and after this server's run. */
  loadAverage: number[];
}

export interface AccountCapacityResult {
  targets: Target[];
  measured: string;
  ours: CapacityFigures;
  peerjs: CapacityFigures;
}

export async function benchAccountCapacity(
  options: { connections?: number; pairs?: number; relaySeconds?: number } = {},
): Promise<AccountCapacityResult> {
  const connections = options.connections ?? defaultConnections();
  const pairs = options.pairs ?? PAIRS;
  const seconds = options.relaySeconds ?? RELAY_SECONDS;
  const ours = await measure('ours', connections, pairs, seconds);
  const peerjs = await measure('peerjs', connections, pairs, seconds);
  const result: AccountCapacityResult = {
    targets: [
      {
        name: 'account idle connections, memory each (median slope)',
        value: Math.round(ours.bytesPerConnection / 102.4) / 10,
        limit: 6,
        unit: 'KiB',
      },
      {
        // What bounds each server's rate once it has a core to itself (the machine is shared).
        name: `account server CPU per relayed signal / PeerJS's, ${pairs} pairs`,
        value:
          Math.round((ours.serverCpuMicrosPerSignal / peerjs.serverCpuMicrosPerSignal) * 100) / 100,
        limit: 0.5,
        unit: '×',
      },
      {
        name: `account relay p99 / PeerJS's, ${pairs} pairs`,
        value: Math.round((ours.relayP99Ms / peerjs.relayP99Ms) * 100) / 100,
        limit: 1,
        unit: '×',
      },
      {
        // As "at most", like every target. The machine's limit of open files per process is
        // the ceiling here (ulimit -Hn: 20,000 on this project's machines).
        name: 'account idle connections on one instance, 50,000 / held',
        value: Math.round((TARGET_CONNECTIONS / Math.max(1, ours.held)) * 100) / 100,
        limit: 1,
        unit: '×',
      },
      {
        // As "at most", like every target: PeerJS's rate over ours, at most one half.
        name: `account signals relayed a second, PeerJS's / ours, ${pairs} pairs`,
        value: Math.round((peerjs.relayedPerSecond / ours.relayedPerSecond) * 100) / 100,
        limit: 0.5,
        unit: '×',
      },
    ],
    measured:
      `${connections} idle authenticated WebSocket connections per server, opened in ` +
      `${MEMORY_STEPS} steps by ${LOAD_PROCESSES} load processes (ours: two devices per user, ` +
      "pinging at the welcome's heartbeat for their role; PeerJS: HEARTBEAT every 5 s), memory " +
      `after forced garbage collection ${SETTLE_MS / 1000} s after each step; then ${pairs} pairs ` +
      `with ${RELAY_WINDOW} signals in flight each way for ${seconds} s on fresh connections ` +
      'once the idle ones are closed, one-way latency through the server; CPU is CPU time over ' +
      'wall time while relaying (1 = one core busy). The connection count is capped by the ' +
      "machine's hard limit of open files per process (ulimit -Hn).",
    ours,
    peerjs,
  };
  printAccountCapacity(result);
  return result;
}

export function printAccountCapacity(result: AccountCapacityResult): void {
  console.log(`\nAccount capacity, ours against PeerJS: ${result.measured}`);
  console.table(
    [result.ours, result.peerjs].map((figures) => ({
      server: figures.server,
      opened: figures.opened,
      held: figures.held,
      failed: figures.failed,
      'open s': figures.openSeconds,
      'RSS idle MiB': figures.idleRssMiB,
      'KiB/conn RSS (median)': kib(figures.bytesPerConnection),
      'KiB/conn RSS (overall)': kib(figures.overallBytesPerConnection),
      'KiB/conn heap': kib(figures.heapBytesPerConnection),
      'KiB/conn external': kib(figures.externalBytesPerConnection),
      'signals/s': figures.relayedPerSecond,
      'p50 ms': figures.relayP50Ms,
      'p99 ms': figures.relayP99Ms,
      'server CPU': figures.relayServerCpu,
      'server CPU µs/signal': figures.serverCpuMicrosPerSignal,
      'load CPU': figures.relayLoadCpu.join('+'),
      'load avg': figures.loadAverage.join(' → '),
    })),
  );
  for (const figures of [result.ours, result.peerjs]) {
    console.log(
      `${figures.server}: RSS slopes B/connection ${figures.rssSlopes.join(' ')}; samples ` +
        figures.samples
          .map(
            (sample) =>
              `${sample.connections} (${sample.files} files): ${sample.rssMiB}/${sample.heapTotalMiB}/${sample.heapUsedMiB} MiB`,
          )
          .join(', ') +
        `; load loop stall max ${figures.loadLoopDelayMaxMs} ms` +
        (figures.firstError ? `; first failure: ${figures.firstError}` : ''),
    );
  }
}

/** 50,000, or as many connections as one process may hold open here. */
export function defaultConnections(): number {
  const limit = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  if (limit === 'unlimited') return TARGET_CONNECTIONS;
  return Math.min(TARGET_CONNECTIONS, Number(limit) - FILE_MARGIN);
}

function kib(bytes: number): number {
  return Math.round(bytes / 102.4) / 10;
}

/** One server's figures; `root`: the checkout whose server runs (ours only), this one unless given. */
export async function measure(
  kind: ServerKind,
  connections: number,
  pairs: number,
  seconds: number,
  root?: string,
): Promise<CapacityFigures> {
  const server = await startServer(kind, connections + pairs * 2 + 100, root);
  const loads = Array.from({ length: LOAD_PROCESSES }, () => startLoadClient());
  const loadBefore = loadAverage();
  try {
    const samples: MemorySample[] = [{ connections: 0, ...(await server.memory()) }];
    let opened = 0;
    let failed = 0;
    let openSeconds = 0;
    let firstError: string | undefined;
    let loadLoopDelayMaxMs = 0;
    for (let step = 1; step <= MEMORY_STEPS; step += 1) {
      // Whole pairs in each load process, for each step.
      const total = Math.round((connections * step) / MEMORY_STEPS / 2) * 2;
      const stepCount = total - opened - failed;
      const shares = split(stepCount / 2, loads.length).map((share) => share * 2);
      const reports = await Promise.all(
        loads.map((load, n) =>
          load.ask({
            cmd: 'open',
            kind,
            url: server.url,
            count: shares[n] ?? 0,
            prefix: `l${n}s${step}u`,
          }),
        ),
      );
      let stepSeconds = 0;
      for (const report of reports) {
        if (report.cmd !== 'open') throw new Error(`open: ${JSON.stringify(report)}`);
        opened += report.opened;
        failed += report.failed;
        stepSeconds = Math.max(stepSeconds, report.seconds);
        firstError ??= report.firstError;
        loadLoopDelayMaxMs = Math.max(loadLoopDelayMaxMs, report.loopDelayMaxMs);
      }
      openSeconds += stepSeconds;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      samples.push({ connections: opened, ...(await server.memory()) });
    }
    const idleRssMiB = Math.round(samples.at(-1)?.rss ?? 0) / 2 ** 20;
    for (const load of loads) await load.ask({ cmd: 'close' });
    // Until the server has seen every idle socket go (ours: each leaves its room), so that the
    // relay is measured alone. The load processes' sign-in requests keep HTTP connections of
    // their own, at most one per request in flight.
    const left = (samples[0] as MemorySample).files + LOAD_PROCESSES * LOAD_CONCURRENCY + 20;
    for (let tries = 0; (await server.memory()).files > left; tries += 1) {
      if (tries > 120) throw new Error('the server kept its idle sockets');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const pairShares = split(pairs, loads.length);
    const relays = await Promise.all(
      loads.map((load, n) =>
        load.ask({
          cmd: 'relay',
          kind,
          url: server.url,
          pairs: pairShares[n] ?? 0,
          seconds,
          window: RELAY_WINDOW,
          prefix: `l${n}relay`,
          serverPid: server.pid,
        }),
      ),
    );
    let relayed = 0;
    let relaySeconds = 0;
    const latencies: number[] = [];
    const loadCpu: number[] = [];
    let serverCpuSeconds = 0;
    for (const report of relays) {
      if (report.cmd !== 'relay') throw new Error(`relay: ${JSON.stringify(report)}`);
      relayed += report.relayed;
      relaySeconds = Math.max(relaySeconds, report.seconds);
      // The windows of the load processes overlap almost exactly: the longest stands for all.
      serverCpuSeconds = Math.max(serverCpuSeconds, report.serverCpuSeconds);
      for (const latency of report.latencies) latencies.push(latency);
      loadCpu.push(report.loadCpu);
    }
    latencies.sort((a, b) => a - b);
    // Steps in which the server kept at least half the sockets opened (devices found silent
    // when the machine stalls are closed by the server, and take their memory with them).
    const steps = samples.slice(2).flatMap((sample, n) => {
      const previous = samples[n + 1] as MemorySample;
      const kept = sample.files - previous.files;
      return kept >= (sample.connections - previous.connections) / 2 ? [{ sample, previous }] : [];
    });
    const slopes = (key: 'rss' | 'heapUsed' | 'external') =>
      steps.map(
        // Counted by the server's open files: a socket it has closed holds nothing.
        ({ sample, previous }) => (sample[key] - previous[key]) / (sample.files - previous.files),
      );
    const first = samples[1] as MemorySample;
    const last = samples.at(-1) as MemorySample;
    return {
      server: kind,
      asked: connections,
      opened,
      // Open files also count the load clients' keep-alive sign-in connections: at most opened.
      held: Math.min(opened, last.files - (samples[0] as MemorySample).files),
      failed,
      firstError,
      loadLoopDelayMaxMs,
      openSeconds: Math.round(openSeconds * 10) / 10,
      samples: samples.map((sample) => ({
        connections: sample.connections,
        files: sample.files,
        rssMiB: mib(sample.rss),
        heapUsedMiB: mib(sample.heapUsed),
        heapTotalMiB: mib(sample.heapTotal),
        externalMiB: mib(sample.external),
      })),
      rssSlopes: slopes('rss').map(Math.round),
      bytesPerConnection: Math.round(median(slopes('rss'))),
      heapBytesPerConnection: Math.round(median(slopes('heapUsed'))),
      externalBytesPerConnection: Math.round(median(slopes('external'))),
      overallBytesPerConnection: Math.round(
        (last.rss - first.rss) / Math.max(1, last.files - first.files),
      ),
      idleRssMiB: Math.round(idleRssMiB),
      relayed,
      relayedPerSecond: Math.round(relayed / relaySeconds),
      relayP50Ms: percentile(latencies, 0.5),
      relayP99Ms: percentile(latencies, 0.99),
      relayServerCpu: Math.round((serverCpuSeconds / relaySeconds) * 100) / 100,
      serverCpuMicrosPerSignal: Math.round((serverCpuSeconds / Math.max(1, relayed)) * 1e7) / 10,
      relayLoadCpu: loadCpu,
      loadAverage: [loadBefore, loadAverage()],
    };
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await server.stop();
  }
}

interface MemorySample {
  connections: number;
  /** Files the server has open: its connections, plus a few dozen of its own. */
  files: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

/** `total` in `parts` whole shares, as even as can be. */
function split(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, n) => Math.floor(((n + 1) * total) / parts) - Math.floor((n * total) / parts),
  );
}

/** The machine's 1-minute load average (other work on its cores skews every figure). */
function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

export function startLoadClient() {
  const file = fileURLToPath(new URL('./capacity-load.ts', import.meta.url));
  const child = spawn(
    'bash',
    ['-c', `${ULIMIT} exec "$0" --import tsx "$1"`, process.execPath, file],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ask(command: LoadCommand): Promise<LoadReport> {
      return new Promise((resolve, reject) => {
        const onExit = (code: number | null) =>
          reject(new Error(`the load client exited with ${code}`));
        child.once('message', (report) => {
          child.off('exit', onExit);
          resolve(report as LoadReport);
        });
        child.once('exit', onExit);
        child.send(command);
      });
    },
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Either server in its own process, with the memory probe loaded and an IPC channel to it.
 * `root`: the checkout whose server (ours) runs, this one unless given.
 */
export async function startServer(kind: ServerKind, maxConnections: number, root?: string) {
  const port = await freePort();
  const probe = fileURLToPath(new URL('./memory-probe.js', import.meta.url));
  // BENCH_SERVER_FLAGS: more Node options for the server process, such as `--cpu-prof`.
  const extra = process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
  const node = [process.execPath, '--expose-gc', ...extra, '--import', probe];
  let child: ChildProcess;
  // BENCH_SERVER_LOG: a file for the server's log (it is dropped otherwise).
  const log = process.env.BENCH_SERVER_LOG ? openSync(process.env.BENCH_SERVER_LOG, 'w') : 'ignore';
  const stdio: ['ignore', number | 'ignore', 'inherit', 'ipc'] = ['ignore', log, 'inherit', 'ipc'];
  if (kind === 'ours') {
    const bin = root
      ? resolve(root, 'packages/server/bin/webrtc-connect.js')
      : fileURLToPath(new URL('../packages/server/bin/webrtc-connect.js', import.meta.url));
    const args = ['serve', '--port', String(port), '--host', '127.0.0.1', '--dev-sign-in'];
    args.push('--rate-limit', '0', '--max-account-sockets', String(maxConnections));
    args.push('--max-frames-per-second', '100000');
    // Every device connects from this one loopback address.
    const sockets = String(maxConnections + 100);
    args.push('--max-connections', sockets, '--max-connections-per-address', sockets);
    child = spawn('bash', ['-c', `${ULIMIT} exec "$@"`, 'bash', ...node, bin, ...args], { stdio });
  } else {
    const config = JSON.stringify({
      port,
      host: '127.0.0.1',
      path: '/',
      concurrent_limit: maxConnections,
    });
    const script = `require('peer').PeerServer(${config});`;
    child = spawn('bash', ['-c', `${ULIMIT} exec "$@"`, 'bash', ...node, '-e', script], {
      stdio,
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await untilAnswering(url, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('the server has no pid');
  return {
    url,
    pid,
    stop,
    /** Memory after a full garbage collection, as the probe in the server reports it. */
    memory(): Promise<{
      rss: number;
      heapUsed: number;
      heapTotal: number;
      external: number;
      files: number;
    }> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the memory probe did not answer')),
          30_000,
        );
        child.once('message', (report) => {
          clearTimeout(timer);
          const { rss, heapUsed, heapTotal, external, files, collected } = report as {
            heapTotal: number;
            rss: number;
            heapUsed: number;
            external: number;
            files: number;
            collected: boolean;
          };
          if (!collected) reject(new Error('the server runs without --expose-gc'));
          else resolve({ rss, heapUsed, heapTotal, external, files });
        });
        child.send({ cmd: 'memory' });
      });
    },
    /** A heap snapshot written to `path` after a full garbage collection. */
    snapshot(path: string): Promise<void> {
      return new Promise((resolve, reject) => {
        child.once('message', (report) => {
          if ((report as { collected: boolean }).collected) resolve();
          else reject(new Error('the server runs without --expose-gc'));
        });
        child.send({ cmd: 'snapshot', path });
      });
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const connections = Number(process.argv[2] ?? defaultConnections());
  const relaySeconds = Number(process.argv[3] ?? RELAY_SECONDS);
  const only = process.argv[4];
  if (only === 'ours' || only === 'peerjs') {
    // One server alone, for quick measurements while working on it (no comparison, no JSON).
    const figures = await measure(only, connections, PAIRS, relaySeconds);
    console.log(JSON.stringify(figures, null, 1));
  } else {
    await benchAccountCapacity({ connections, relaySeconds });
  }
}
