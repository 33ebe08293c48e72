/**
 * What the server withstands from the open internet, side by side with the PeerJS server
 * (`peer`) under the same attacks where they apply, each server in its own process with a
 * 1,024-descriptor limit (a common default) and bench/memory-probe.js for its memory:
 *
 * - reply-code guesses looked up per address, in a burst of 3,000 within one minute, with
 *   spoofed `X-Forwarded-For` headers: no proxy, and behind one proxy (`--trust-proxy 1`,
 *   nginx's appended form) — PeerJS has no reply codes;
 * - slow requests (headers trickled a byte every 5 s) held at once before the health check
 *   fails, from one address and from 20;
 * - hello-less sockets (account socket, PeerJS's socket) held at once before the health check
 *   fails, and how many are still open 12 s later;
 * - frames a second one device gets handled (ours: pings answered; PeerJS: no limit to meet);
 * - memory (RSS after a full collection) before, at the peak, and after each attack.
 *
 * Bounded by counts; stops itself.
 *   scripts/in-netns.sh tsx --conditions=@webrtc-connect/source bench/edge-attacks.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { freePort, untilAnswering } from '../test/harness/serve-process.ts';

type Kind = 'ours' | 'peerjs';
const FD_LIMIT = 1024;
const GUESSES = 3_000;
const ATTACK_ADDRESSES = 20;
const MAX_HELD = 1_300;
const STEP = 50;

interface Memory {
  rssMiB: number;
  heapUsedMiB: number;
}

interface Target {
  url: string;
  health: string;
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

export interface GuessRow {
  setup: string;
  sent: number;
  lookedUp: number;
  refused: number;
  seconds: number;
}

export interface HoldRow {
  server: Kind;
  attack: 'slow requests' | 'hello-less sockets';
  addresses: number;
  /** Connections the attack held open at the most, before the health check failed or it ended. */
  held: number;
  /** Attempts refused by the server (closed at once, or a clear refusal) or not held. */
  refused: number;
  healthFailedAt: number | null;
  /** Of those held, still open 12 s after the attack stopped opening more. */
  stillOpenAfter12s: number | null;
  memory: { before: Memory; peak: Memory; after: Memory };
}

export interface EdgeBenchResult {
  targets: [];
  fdLimit: number;
  guesses: GuessRow[];
  holds: HoldRow[];
  framesPerSecond: { server: Kind; sent: number; handledPerSecond: number | null }[];
}

/**
 * Runs the attacks in a child process whose open-files limit is far above the servers' (the
 * attacker must not run out of descriptors before the server does), and prints the tables.
 */
export async function benchEdgeAttacks(): Promise<EdgeBenchResult> {
  const file = fileURLToPath(import.meta.url);
  const child = spawn(
    'bash',
    [
      '-c',
      `${ATTACKER_ULIMIT} exec "$0" --conditions=@webrtc-connect/source --import tsx "$1" --attack`,
      process.execPath,
      file,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = output.split('\n').find((text) => text.startsWith(RESULT));
  if (code !== 0 || !line) throw new Error(`the attacks ended with ${code}`);
  const result = JSON.parse(line.slice(RESULT.length)) as EdgeBenchResult;
  printEdge(result);
  return result;
}

const RESULT = 'edge-result ';
const ATTACKER_ULIMIT = 'ulimit -n 65536 2>/dev/null || ulimit -n hard;';

async function runAttacks(): Promise<EdgeBenchResult> {
  const guesses: GuessRow[] = [];
  for (const [setup, args, forwarded] of [
    ['no proxy, spoofed x-forwarded-for', [], (n: number) => `198.51.100.${n % 250}`],
    [
      'behind one proxy (--trust-proxy 1), nginx form',
      ['--trust-proxy', '1'],
      (n: number) => `198.51.100.${n % 250}, 203.0.113.66`,
    ],
  ] as const) {
    const target = await startTarget('ours', [...args]);
    try {
      guesses.push({ setup, ...(await guessCodes(target.url, forwarded)) });
      console.log(JSON.stringify(guesses.at(-1)));
    } finally {
      await target.stop();
    }
  }

  const holds: HoldRow[] = [];
  for (const server of ['ours', 'peerjs'] as const) {
    for (const addresses of [1, ATTACK_ADDRESSES]) {
      for (const attack of ['slow requests', 'hello-less sockets'] as const) {
        const row = await holdAttack(server, attack, addresses);
        console.log(JSON.stringify(row));
        holds.push(row);
      }
    }
  }
  const framesPerSecond = [
    { server: 'ours' as const, ...(await floodFrames()) },
    { server: 'peerjs' as const, sent: 0, handledPerSecond: null },
  ];
  return { targets: [], fdLimit: FD_LIMIT, guesses, holds, framesPerSecond };
}

async function guessCodes(url: string, forwarded: (n: number) => string) {
  const started = performance.now();
  let lookedUp = 0;
  let refused = 0;
  for (let start = 0; start < GUESSES; start += 50) {
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const n = start + i;
        const response = await fetch(`${url}/api/replies/Q${String(n).padStart(4, '0')}`, {
          headers: { 'x-forwarded-for': forwarded(n) },
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    for (const status of statuses) {
      if (status === 404) lookedUp += 1;
      else refused += 1;
    }
  }
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  return { sent: GUESSES, lookedUp, refused, seconds };
}

/** Opens attack connections in steps, checking health after each, until it fails or MAX_HELD. */
async function holdAttack(
  server: Kind,
  attack: HoldRow['attack'],
  addresses: number,
): Promise<HoldRow> {
  const target = await startTarget(server, []);
  const open = new Set<Socket | WebSocket>();
  let held = 0;
  let healthFailedAt: number | null = null;
  let attempts = 0;
  const trickle = setInterval(() => {
    for (const connection of open) if (connection instanceof Socket) connection.write('x');
  }, 5_000);
  try {
    const before = await target.memory();
    while (attempts < MAX_HELD && healthFailedAt === null) {
      const step = Array.from({ length: STEP }, (_, i) => {
        // 127.0.0.2 onwards: the health check comes from 127.0.0.1, an address of its own.
        const from = `127.0.0.${2 + ((attempts + i) % addresses)}`;
        return attack === 'slow requests'
          ? slowRequest(target.url, from)
          : helloLess(server, target.url, from);
      });
      attempts += STEP;
      for (const connection of await Promise.all(step)) {
        if (!connection) continue;
        open.add(connection);
        const forget = () => open.delete(connection);
        if (connection instanceof Socket) connection.once('close', forget);
        else connection.once('close', forget);
      }
      // Connections refused after opening (a written refusal) close within a moment.
      await new Promise((resolve) => setTimeout(resolve, 200));
      held = Math.max(held, open.size);
      if (!(await healthy(target))) healthFailedAt = open.size;
    }
    const peak = await target.memory().catch(() => before);
    const heldAtEnd = new Set(open);
    const refusedOrCut = attempts - heldAtEnd.size;
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const stillOpenAfter12s = [...heldAtEnd].filter((connection) => open.has(connection)).length;
    for (const connection of open) {
      if (connection instanceof Socket) connection.destroy();
      else connection.terminate();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await target.memory().catch(() => ({ rssMiB: Number.NaN, heapUsedMiB: 0 }));
    return {
      server,
      attack,
      addresses,
      held,
      refused: refusedOrCut,
      healthFailedAt,
      stillOpenAfter12s,
      memory: { before, peak, after },
    };
  } finally {
    clearInterval(trickle);
    for (const connection of open) {
      if (connection instanceof Socket) connection.destroy();
      else connection.terminate();
    }
    await target.stop();
  }
}

function slowRequest(url: string, from: string): Promise<Socket | undefined> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress: from }, () => {
      socket.write('GET /api/health HTTP/1.1\r\nhost: x\r\nx-slow: ');
      resolve(socket);
    });
    socket.on('error', () => resolve(undefined));
    socket.on('data', () => socket.destroy());
  });
}

function helloLess(server: Kind, url: string, from: string): Promise<WebSocket | undefined> {
  const base = url.replace(/^http/, 'ws');
  const id = Math.random().toString(36).slice(2);
  const address =
    server === 'ours' ? `${base}/api/account` : `${base}/peerjs?key=peerjs&id=${id}&token=${id}`;
  return new Promise((resolve) => {
    const socket = new WebSocket(address, { localAddress: from });
    socket.once('open', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
    socket.once('unexpected-response', () => resolve(undefined));
  });
}

/**
 * A load balancer's check: a new connection each time (a kept-alive one would pass while the
 * server can accept nothing), an answer of 200 within 2 s.
 */
function healthy(target: Target): Promise<boolean> {
  const { port } = new URL(target.url);
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
      socket.write(`GET ${target.health} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
    });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('HTTP/1.1 200'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(answer.startsWith('HTTP/1.1 200')));
  });
}

/** One signed-in device sends pings as fast as it can for 2 s: pongs a second it gets back. */
async function floodFrames(): Promise<{ sent: number; handledPerSecond: number }> {
  const target = await startTarget('ours', ['--dev-sign-in']);
  try {
    const signIn = await fetch(`${target.url}/api/dev/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'flooder' }),
    });
    const { token } = (await signIn.json()) as { token: string };
    const socket = new WebSocket(`${target.url.replace(/^http/, 'ws')}/api/account`);
    let pongs = 0;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string };
        if (frame.type === 'welcome') resolve();
        if (frame.type === 'pong') pongs += 1;
      });
      socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', version: 1, token })));
    });
    let sent = 0;
    const until = performance.now() + 2_000;
    while (performance.now() < until) {
      for (let i = 0; i < 100; i += 1) socket.send('{"type":"ping"}');
      sent += 100;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    socket.terminate();
    return { sent, handledPerSecond: Math.round(pongs / 2) };
  } finally {
    await target.stop();
  }
}

/** A server in its own process with FD_LIMIT descriptors and the memory probe. */
async function startTarget(kind: Kind, args: string[]): Promise<Target> {
  const port = await freePort();
  const probe = fileURLToPath(new URL('./memory-probe.js', import.meta.url));
  const node = [process.execPath, '--expose-gc', '--import', probe];
  const limit = `ulimit -n ${FD_LIMIT};`;
  const stdio: ['ignore', 'ignore', 'inherit', 'ipc'] = ['ignore', 'ignore', 'inherit', 'ipc'];
  let child: ChildProcess;
  if (kind === 'ours') {
    const bin = fileURLToPath(new URL('../packages/server/bin/webrtc-connect.js', import.meta.url));
    const serve = ['serve', '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn'];
    child = spawn('bash', ['-c', `${limit} exec "$@"`, 'bash', ...node, bin, ...serve, ...args], {
      stdio,
    });
  } else {
    const config = JSON.stringify({ port, host: '127.0.0.1', path: '/' });
    child = spawn(
      'bash',
      ['-c', `${limit} exec "$@"`, 'bash', ...node, '-e', `require('peer').PeerServer(${config});`],
      { stdio },
    );
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('error', () => {});
  const url = `http://127.0.0.1:${port}`;
  const health = kind === 'ours' ? '/api/health' : '/';
  try {
    await untilAnswering(`${url}${health}`, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    health,
    memory: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no memory report')), 20_000);
        child.once('message', (report) => {
          clearTimeout(timer);
          const { rss, heapUsed } = report as { rss: number; heapUsed: number };
          resolve({ rssMiB: mib(rss), heapUsedMiB: mib(heapUsed) });
        });
        try {
          child.send({ cmd: 'memory' });
        } catch (error) {
          clearTimeout(timer);
          reject(error);
        }
      }),
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 17) / 8;
}

export function printEdge(result: EdgeBenchResult): void {
  console.log(`\nReply-code guesses, one attacker, ${GUESSES} sent (ours)`);
  console.table(result.guesses);
  console.log(`\nHeld at once before the health check fails (fd limit ${result.fdLimit})`);
  console.table(
    result.holds.map((row) => ({
      server: row.server,
      attack: row.attack,
      addresses: row.addresses,
      held: row.held,
      refused: row.refused,
      'health failed at': row.healthFailedAt ?? `never (≤ ${MAX_HELD})`,
      'open 12 s later': row.stillOpenAfter12s,
      // At the descriptor limit the server cannot even read its own memory.
      'RSS MiB before/peak/after': `${row.memory.before.rssMiB}/${row.memory.peak.rssMiB || '—'}/${row.memory.after.rssMiB}`,
    })),
  );
  console.log('\nFrames a second one device gets handled');
  console.table(result.framesPerSecond);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--attack')) {
    console.log(`${RESULT}${JSON.stringify(await runAttacks())}`);
  } else {
    await benchEdgeAttacks();
  }
}
