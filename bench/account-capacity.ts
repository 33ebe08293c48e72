/**
 * Account capacity, our server against the PeerJS server (npm `peer`) in the same run, with the
 * same load client (bench/capacity-load.ts, its own process): idle authenticated WebSocket
 * connections on one instance and the server process's resident memory per connection, then
 * signals relayed per second and their one-way p99 at 100 device pairs.
 *
 * Each server and the load client run in their own processes with `ulimit -n` raised to 200,000,
 * or to the hard limit when that is lower (connections beyond it fail to open, and are counted).
 * Our server: development sign-in, default heartbeat (its idle devices still ping every
 * 750 ms), the per-address request limit off (every connection comes from 127.0.0.1) and the
 * frames-a-second limit per socket raised (a closed-loop pair on loopback goes past 100 a
 * second). PeerJS: its defaults, with its 5,000-connection cap raised. 10,000 connections by
 * default; 50,000 needs a wider net.ipv4.ip_local_port_range than the usual 28,000 ports, or
 * the load client runs out first. Two devices per user on our server; the idle connections are
 * closed before the relay is measured.
 *
 *   tsx --conditions=@webrtc-connect/source bench/account-capacity.ts [connections]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadCommand, LoadReport, ServerKind } from './capacity-load.ts';
import { freePort, untilAnswering } from './server-process.ts';

const CONNECTIONS = 10_000;
const PAIRS = 100;
const RELAY_SECONDS = 10;
/** Lets the server finish its handshakes' garbage before its memory is read. */
const SETTLE_MS = 3000;
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
  failed: number;
  openSeconds: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** RSS growth of the server process over the connections it holds. */
  bytesPerConnection: number;
  relayed: number;
  relayedPerSecond: number;
  relayP50Ms: number;
  relayP99Ms: number;
  /** CPU time over wall time while relaying, of the server and of the load client. */
  relayServerCpu: number;
  relayLoadCpu: number;
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
  const connections = options.connections ?? CONNECTIONS;
  const pairs = options.pairs ?? PAIRS;
  const seconds = options.relaySeconds ?? RELAY_SECONDS;
  const ours = await measure('ours', connections, pairs, seconds);
  const peerjs = await measure('peerjs', connections, pairs, seconds);
  const result: AccountCapacityResult = {
    targets: [
      {
        name: 'account idle connections, memory each',
        value: Math.round(ours.bytesPerConnection / 102.4) / 10,
        limit: 6,
        unit: 'KiB',
      },
      {
        name: `account signals relayed a second / PeerJS's, ${pairs} pairs`,
        value: Math.round((ours.relayedPerSecond / peerjs.relayedPerSecond) * 100) / 100,
        limit: 2,
        unit: '× (at least)',
      },
    ],
    measured:
      `${connections} idle authenticated WebSocket connections per server (ours: two devices ` +
      'per user, pinging every 750 ms; PeerJS: HEARTBEAT every 5 s), server RSS before and ' +
      `${SETTLE_MS / 1000} s after they opened; then ${pairs} pairs bouncing one signal each ` +
      `for ${seconds} s on fresh connections once the idle ones are closed, one-way latency ` +
      'through the server; CPU is CPU time over wall time while relaying (1 = one core busy).',
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
      failed: figures.failed,
      'open s': figures.openSeconds,
      'RSS before MiB': figures.rssBeforeMiB,
      'RSS after MiB': figures.rssAfterMiB,
      'KiB/connection': Math.round(figures.bytesPerConnection / 102.4) / 10,
      'signals/s': figures.relayedPerSecond,
      'p50 ms': figures.relayP50Ms,
      'p99 ms': figures.relayP99Ms,
      'server CPU': figures.relayServerCpu,
      'load CPU': figures.relayLoadCpu,
    })),
  );
}

async function measure(
  kind: ServerKind,
  connections: number,
  pairs: number,
  seconds: number,
): Promise<CapacityFigures> {
  const server = await startServer(kind, connections + pairs * 2 + 100);
  const load = startLoadClient();
  try {
    const rssBefore = rss(server.pid);
    const idle = await load.ask({ cmd: 'idle', kind, url: server.url, count: connections });
    if (idle.cmd !== 'idle') throw new Error(`idle: ${JSON.stringify(idle)}`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const rssAfter = rss(server.pid);
    const cpuBefore = cpuSeconds(server.pid);
    const relayStart = performance.now();
    const relay = await load.ask({ cmd: 'relay', kind, url: server.url, pairs, seconds });
    const serverCpu =
      (cpuSeconds(server.pid) - cpuBefore) / ((performance.now() - relayStart) / 1000);
    if (relay.cmd !== 'relay') throw new Error(`relay: ${JSON.stringify(relay)}`);
    return {
      server: kind,
      asked: connections,
      opened: idle.opened,
      failed: idle.failed,
      openSeconds: Math.round(idle.seconds * 10) / 10,
      rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
      rssAfterMiB: Math.round(rssAfter / 2 ** 20),
      bytesPerConnection: Math.round((rssAfter - rssBefore) / Math.max(1, idle.opened)),
      relayed: relay.relayed,
      relayedPerSecond: Math.round(relay.relayed / relay.seconds),
      relayP50Ms: relay.p50Ms,
      relayP99Ms: relay.p99Ms,
      relayServerCpu: Math.round(serverCpu * 100) / 100,
      relayLoadCpu: relay.loadCpu,
    };
  } finally {
    await load.stop();
    await server.stop();
  }
}

/** User and system CPU time of a process so far, from /proc (Linux; 100 ticks a second). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process, from /proc (Linux). */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  if (!line?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(line[1]) * 1024;
}

function startLoadClient() {
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
        child.once('message', (report) => resolve(report as LoadReport));
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

async function startServer(kind: ServerKind, maxConnections: number) {
  const port = await freePort();
  let child: ChildProcess;
  if (kind === 'ours') {
    const bin = fileURLToPath(new URL('../packages/server/bin/webrtc-connect.js', import.meta.url));
    const args = ['serve', '--port', String(port), '--host', '127.0.0.1', '--dev-sign-in'];
    args.push('--rate-limit', '0', '--max-account-sockets', String(maxConnections));
    args.push('--max-frames-per-second', '100000');
    child = spawn('bash', ['-c', `${ULIMIT} exec "$@"`, 'bash', process.execPath, bin, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } else {
    const config = JSON.stringify({
      port,
      host: '127.0.0.1',
      path: '/',
      concurrent_limit: maxConnections,
    });
    const script = `require('peer').PeerServer(${config});`;
    child = spawn('bash', ['-c', `${ULIMIT} exec "$0" -e "$1"`, process.execPath, script], {
      stdio: ['ignore', 'ignore', 'inherit'],
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
  if (child.pid === undefined) throw new Error('the server has no pid');
  return { url, pid: child.pid, stop };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const connections = Number(process.argv[2] ?? CONNECTIONS);
  await benchAccountCapacity({ connections });
}
