/**
 * The account server's relay path alone, in one process, without sockets or the kernel: the
 * server's AccountService with fake WebSockets, so what is timed is the server's own work for
 * one relayed signal (ws has already framed it): frame check, routing in the room, the relayed
 * frame's text, the outgoing frame's bytes. The capacity bench (account-capacity.ts) measures
 * the same path through real sockets, where the kernel's writes and ws's reading are most of
 * the time and the machine's load moves every figure; this one moves much less with load.
 *
 * `pairs` pairs of devices (two devices of one user each, signed in with the development
 * sign-in) each send `window` signals each way per round, as a device's `JSON.stringify` makes
 * them (an ICE candidate's size); rounds end where the server's batched writes leave
 * (setImmediate), as they would over sockets. A run is a warm-up, then `seconds` of rounds,
 * timed in CPU time.
 *
 * `--compare DIR` (repeatable) times the server of another checkout too (a worktree of an older commit,
 * `npm ci`-ed), in runs alternating with this one's, each in a fresh process, and writes both
 * into the JSON: the before and after of a change to the relay path, side by side.
 *
 *   tsx --conditions=@webrtc-connect/source bench/relay-path.ts [--compare DIR] [--runs N] [--seconds S] [--out FILE]
 */
import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const PAIRS = 100;
const WINDOW = 8;
const SECONDS = 3;
const WARM_UP_SECONDS = 1;
const RUNS = 5;
/** What a device sends most: a trickled ICE candidate, as the client's JSON.stringify makes it. */
const CANDIDATE = {
  kind: 'candidate',
  candidate: {
    candidate:
      'candidate:1467250027 1 udp 2122260223 3f1c2a0e-5b7d-4c1e-9a3f-0d2b6e8c7a41.local 54321 typ host generation 0 ufrag Xk3p network-cost 999',
    sdpMid: '0',
    sdpMLineIndex: 0,
  },
};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface RelayPathRun {
  /** The checkout whose server was timed. */
  tree: string;
  commit: string;
  signals: number;
  /** Server CPU time (user + system) per relayed signal, in nanoseconds. */
  cpuNanosPerSignal: number;
  /** Wall time per relayed signal, in nanoseconds. */
  wallNanosPerSignal: number;
}

export interface RelayPathSummary {
  tree: string;
  commit: string;
  runs: number[];
  medianNanos: number;
  minNanos: number;
  maxNanos: number;
}

export interface RelayPathResult {
  measured: string;
  runs: RelayPathRun[];
  trees: RelayPathSummary[];
  /** Median of this tree over the median of the first compared tree, when there is one. */
  ratio: number | undefined;
  loadAverage: number[];
}

/** A WebSocket as the server's DeviceConnection uses it: events in, nothing else needed. */
class FakeWebSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
  /** The broadcaster is pinged once a silence window: a live device answers. */
  ping(): void {
    queueMicrotask(() => this.emit('pong'));
  }
  send(): void {}
}

/** The TCP socket under it: counts the text frames the server writes, keeps the last. */
class FakeSocket {
  writable = true;
  writableLength = 0;
  frames = 0;
  last = '';
  write(buffer: Buffer): boolean {
    // Unmasked server frames: count them by their headers.
    let offset = 0;
    while (offset < buffer.length) {
      const second = buffer[offset + 1] as number;
      const length =
        second < 126
          ? second
          : second === 126
            ? buffer.readUInt16BE(offset + 2)
            : Number(buffer.readBigUInt64BE(offset + 2));
      const header = second < 126 ? 2 : second === 126 ? 4 : 10;
      this.frames += 1;
      if (offset + header + length >= buffer.length) {
        this.last = buffer.toString('utf8', offset + header, offset + header + length);
      }
      offset += header + length;
    }
    return true;
  }
}

interface Device {
  ws: FakeWebSocket;
  raw: FakeSocket;
  id: string;
}

const silentLog = {
  level: 'silent',
  info() {},
  debug() {},
  warn() {},
  error() {},
  trace() {},
  fatal() {},
  child() {
    return silentLog;
  },
};

const nextRound = () => new Promise<void>((done) => setImmediate(done));

/** One run in this process, of the server in `tree`. */
async function runOnce(tree: string, pairs: number, seconds: number): Promise<RelayPathRun> {
  const server = `${tree}/packages/server/src/account`;
  const { AccountService } = await import(pathToFileURL(`${server}/account-service.ts`).href);
  const { resolveAccountOptions } = await import(
    pathToFileURL(`${server}/account-options.ts`).href
  );
  const options = resolveAccountOptions({
    devSignIn: true,
    maxFramesPerSecond: 100_000,
    maxAccountSockets: pairs * 2 + 10,
  });
  const service = new AccountService(options, Date.now, silentLog);
  const devices: [Device, Device][] = [];
  for (let pair = 0; pair < pairs; pair += 1) {
    const { token } = await service.devSignIn.issue(`pair${pair}`);
    const two = [] as Device[];
    for (let n = 0; n < 2; n += 1) {
      const ws = new FakeWebSocket();
      const raw = new FakeSocket();
      service.accept(ws, raw);
      ws.emit('message', Buffer.from(JSON.stringify({ type: 'hello', version: 1, token })), false);
      const deadline = performance.now() + 10_000;
      while (!raw.last.includes('"welcome"')) {
        if (performance.now() > deadline) throw new Error(`no welcome: ${raw.last}`);
        await new Promise((done) => setTimeout(done, 1));
      }
      two.push({ ws, raw, id: JSON.parse(raw.last).id });
    }
    devices.push(two as [Device, Device]);
  }
  // What each device sends: a signal to its pair's other device.
  const sends = devices.flatMap(([a, b]) => [
    { from: a, to: b, frame: signalFrame(b.id) },
    { from: b, to: a, frame: signalFrame(a.id) },
  ]);
  const round = async () => {
    for (const { from, frame } of sends) {
      for (let n = 0; n < WINDOW; n += 1) from.ws.emit('message', frame, false);
    }
    await nextRound();
  };
  const framesBefore = () => sends.reduce((sum, { to }) => sum + to.raw.frames, 0);
  const warmUntil = performance.now() + WARM_UP_SECONDS * 1000;
  while (performance.now() < warmUntil) await round();
  const received = framesBefore();
  let signals = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    await round();
    signals += sends.length * WINDOW;
  }
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (framesBefore() - received !== signals) {
    throw new Error(`sent ${signals} signals, ${framesBefore() - received} arrived`);
  }
  const relayed = JSON.parse(sends[0]?.to.raw.last ?? '{}');
  if (relayed.type !== 'signal' || relayed.data?.kind !== 'candidate') {
    throw new Error(`not a relayed signal: ${sends[0]?.to.raw.last}`);
  }
  await service.close();
  return {
    tree,
    commit: commitOf(tree),
    signals,
    cpuNanosPerSignal: Math.round(((used.user + used.system) * 1000) / signals),
    wallNanosPerSignal: Math.round((wallMs * 1e6) / signals),
  };
}

function signalFrame(to: string): Buffer {
  return Buffer.from(JSON.stringify({ type: 'signal', to, data: CANDIDATE }));
}

function commitOf(tree: string): string {
  try {
    return execFileSync('git', ['-C', tree, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** One run in a fresh process (so neither tree's code warms the other's). */
function runInChild(tree: string, pairs: number, seconds: number): Promise<RelayPathRun> {
  const file = fileURLToPath(import.meta.url);
  const args = ['--conditions=@webrtc-connect/source', '--import', 'tsx', file];
  args.push('--child', tree, '--pairs', String(pairs), '--seconds', String(seconds));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('exit', (code) => {
      if (code !== 0) fail(new Error(`the run of ${tree} exited with ${code}`));
      else done(JSON.parse(out.trim().split('\n').at(-1) ?? '') as RelayPathRun);
    });
  });
}

export async function benchRelayPath(
  options: { compare?: readonly string[]; runs?: number; seconds?: number; pairs?: number } = {},
): Promise<RelayPathResult> {
  const runsEach = options.runs ?? RUNS;
  const seconds = options.seconds ?? SECONDS;
  const pairs = options.pairs ?? PAIRS;
  const trees = [...(options.compare ?? []).map((tree) => resolve(tree)), ROOT];
  const loadBefore = loadAverage();
  const runs: RelayPathRun[] = [];
  // Alternating, so that a change in the machine's load falls on both trees alike.
  for (let n = 0; n < runsEach; n += 1) {
    for (const tree of trees) {
      const run = await runInChild(tree, pairs, seconds);
      console.log(`${run.commit} ${run.cpuNanosPerSignal} ns CPU/signal (${run.signals} signals)`);
      runs.push(run);
    }
  }
  const summaries = trees.map((tree) => {
    const mine = runs.filter((run) => run.tree === tree).map((run) => run.cpuNanosPerSignal);
    return {
      tree,
      commit: commitOf(tree),
      runs: mine,
      medianNanos: median(mine),
      minNanos: Math.min(...mine),
      maxNanos: Math.max(...mine),
    };
  });
  const before = summaries.length > 1 ? summaries[0] : undefined;
  const after = summaries.at(-1);
  const result: RelayPathResult = {
    measured:
      `server CPU time per relayed signal through AccountService with fake sockets: ${pairs} ` +
      `pairs, ${WINDOW} signals each way a round, ${WARM_UP_SECONDS} s warm-up then ${seconds} s, ` +
      `${runsEach} runs per tree alternating, each in a fresh process`,
    runs,
    trees: summaries,
    ratio:
      before && after
        ? Math.round((after.medianNanos / before.medianNanos) * 1000) / 1000
        : undefined,
    loadAverage: [loadBefore, loadAverage()],
  };
  console.table(
    summaries.map((summary) => ({
      commit: summary.commit,
      tree: summary.tree,
      'median ns/signal': summary.medianNanos,
      min: summary.minNanos,
      max: summary.maxNanos,
      runs: summary.runs.join(' '),
    })),
  );
  if (result.ratio !== undefined) console.log(`this tree / the first compared: ${result.ratio}×`);
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function loadAverage(): number {
  return Number(execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ')[0]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      compare: { type: 'string', multiple: true },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      pairs: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const seconds = values.seconds === undefined ? SECONDS : Number(values.seconds);
  const pairs = values.pairs === undefined ? PAIRS : Number(values.pairs);
  if (values.child) {
    console.log(JSON.stringify(await runOnce(values.child, pairs, seconds)));
  } else {
    const result = await benchRelayPath({
      ...(values.compare === undefined ? {} : { compare: values.compare }),
      ...(values.runs === undefined ? {} : { runs: Number(values.runs) }),
      seconds,
      pairs,
    });
    if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 1)}\n`);
  }
}
