/**
 * The account server's relay path alone, without sockets or the kernel: the server's
 * AccountService with fake WebSockets, so what is timed is the server's own work for one
 * relayed signal once ws has read it: frame check, routing in the room, the relayed frame's
 * text, the outgoing frame's bytes. The capacity bench (account-capacity.ts) measures the same
 * path through real sockets, where the kernel's writes and ws's reading are most of the time
 * and the machine's load moves every figure by tens of percent.
 *
 * `pairs` pairs of devices (two devices of one user each, signed in with the development
 * sign-in) each send 8 signals each way a round, as a device's `JSON.stringify` makes them (an
 * ICE candidate's size); a round ends where the server's batched writes leave (setImmediate),
 * as they would over sockets. Timed in CPU time, in slots of 100 ms.
 *
 * `--compare DIR` (repeatable): the servers of other checkouts too (a worktree of an older
 * commit, `npm ci`-ed), in the same process, their slots taking turns with this one's (the
 * order turning every time): the machine is shared, and its load moved whole runs of one
 * checkout by 15 % when they ran one after another. Each run is a fresh process; a checkout's
 * figure is the median of its slots in a run, and the JSON has every run's.
 *
 *   tsx --conditions=@webrtc-connect/source bench/relay-path.ts [--compare DIR]... [--runs N] [--seconds S] [--out FILE]
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { commitOf, median, runInChild } from './compare-trees.ts';

const PAIRS = 100;
const WINDOW = 8;
/** Timed seconds a run, per checkout. */
const SECONDS = 5;
const WARM_UP_SECONDS = 1;
const SLOT_MS = 100;
const RUNS = 3;
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
  slots: number;
  /** Server CPU time (user + system) per relayed signal, in nanoseconds: the slots' median. */
  cpuNanosPerSignal: number;
}

export interface RelayPathSummary {
  tree: string;
  commit: string;
  runs: number[];
  /** Each run's figure over the first checkout's in the same run (the load of that run cancels). */
  ratios: number[];
  medianRatio: number;
  medianNanos: number;
  minNanos: number;
  maxNanos: number;
}

export interface RelayPathResult {
  measured: string;
  runs: RelayPathRun[];
  trees: RelayPathSummary[];
  /** This checkout's median ratio to the first compared one, when there is one. */
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

/** One checkout's server with `pairs` pairs of devices joined, ready to relay rounds of signals. */
async function relayRig(tree: string, pairs: number) {
  const server = `${tree}/packages/server/src/account`;
  const { AccountService } = await import(pathToFileURL(`${server}/account-service.ts`).href);
  const { resolveAccountOptions } = await import(
    pathToFileURL(`${server}/account-options.ts`).href
  );
  const options = resolveAccountOptions({
    devSignIn: true,
    maxFramesPerSecond: 100_000,
    maxAccountSockets: pairs * 2 + 10,
    // The longest: a checkout's devices are idle while the others' take their turn.
    heartbeatMs: 60_000,
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
  const received = () => sends.reduce((sum, { to }) => sum + to.raw.frames, 0);
  let sent = 0;
  const start = received();
  return {
    tree,
    commit: commitOf(tree),
    signalsPerRound: sends.length * WINDOW,
    async round(): Promise<void> {
      for (const { from, frame } of sends) {
        for (let n = 0; n < WINDOW; n += 1) from.ws.emit('message', frame, false);
      }
      sent += sends.length * WINDOW;
      // The batched writes leave now, as over sockets.
      await nextRound();
    },
    /** Every signal arrived, as a relayed signal. */
    check(): void {
      if (received() - start !== sent) {
        throw new Error(`${tree}: sent ${sent} signals, ${received() - start} arrived`);
      }
      const relayed = JSON.parse(sends[0]?.to.raw.last ?? '{}');
      if (relayed.type !== 'signal' || relayed.data?.kind !== 'candidate') {
        throw new Error(`not a relayed signal: ${sends[0]?.to.raw.last}`);
      }
    },
    close: () => service.close() as Promise<void>,
  };
}

type RelayRig = Awaited<ReturnType<typeof relayRig>>;

/** Rounds of `rig` for `ms` of wall time: its CPU time per signal, in nanoseconds. */
async function slot(rig: RelayRig, ms: number): Promise<number> {
  let signals = 0;
  const cpu = process.cpuUsage();
  const until = performance.now() + ms;
  while (performance.now() < until) {
    await rig.round();
    signals += rig.signalsPerRound;
  }
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) * 1000) / signals;
}

/**
 * One run, every checkout's server in this process: slots of each in turn (the order turning
 * each time), so that whatever else the machine does falls on all of them alike.
 */
async function runInterleaved(
  trees: readonly string[],
  pairs: number,
  seconds: number,
): Promise<RelayPathRun[]> {
  const rigs: RelayRig[] = [];
  for (const tree of trees) rigs.push(await relayRig(tree, pairs));
  for (const rig of rigs) await slot(rig, WARM_UP_SECONDS * 1000);
  const slots = rigs.map(() => [] as number[]);
  const count = Math.max(1, Math.round((seconds * 1000) / SLOT_MS));
  for (let n = 0; n < count; n += 1) {
    for (let k = 0; k < rigs.length; k += 1) {
      const i = (n + k) % rigs.length;
      slots[i]?.push(await slot(rigs[i] as RelayRig, SLOT_MS));
    }
  }
  for (const rig of rigs) {
    rig.check();
    await rig.close();
  }
  return rigs.map((rig, i) => ({
    tree: rig.tree,
    commit: rig.commit,
    slots: slots[i]?.length ?? 0,
    cpuNanosPerSignal: Math.round(median(slots[i] ?? [])),
  }));
}

function signalFrame(to: string): Buffer {
  return Buffer.from(JSON.stringify({ type: 'signal', to, data: CANDIDATE }));
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
  for (let n = 0; n < runsEach; n += 1) {
    const args = ['--child', ...trees.flatMap((tree) => ['--compare', tree])];
    args.push('--pairs', String(pairs), '--seconds', String(seconds));
    const run = await runInChild<RelayPathRun[]>(fileURLToPath(import.meta.url), args);
    console.log(run.map((tree) => `${tree.commit} ${tree.cpuNanosPerSignal} ns`).join(', '));
    runs.push(...run);
  }
  const summaries = trees.map((tree) => {
    const mine = runs.filter((run) => run.tree === tree).map((run) => run.cpuNanosPerSignal);
    const first = runs.filter((run) => run.tree === trees[0]).map((run) => run.cpuNanosPerSignal);
    const ratios = mine.map((value, n) => Math.round((value / (first[n] ?? value)) * 1000) / 1000);
    return {
      tree,
      commit: commitOf(tree),
      runs: mine,
      ratios,
      medianRatio: median(ratios),
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
      `pairs, ${WINDOW} signals each way a round, ${WARM_UP_SECONDS} s warm-up then ${seconds} s ` +
      `per checkout in ${SLOT_MS} ms slots taking turns, median of the slots; ${runsEach} runs, ` +
      'each a fresh process',
    runs,
    trees: summaries,
    ratio: before && after ? after.medianRatio : undefined,
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
      'over the first, each run': summary.ratios.join(' '),
      'median ratio': summary.medianRatio,
    })),
  );
  if (result.ratio !== undefined) console.log(`this tree / the first compared: ${result.ratio}×`);
  return result;
}

function loadAverage(): number {
  return Number(execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ')[0]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean' },
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
    console.log(JSON.stringify(await runInterleaved(values.compare ?? [], pairs, seconds)));
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
