/**
 * The acoustic modem against ggwave, side by side through the same simulated channels
 * (packages/modem/test/channel): airtime, success rate, wrong payloads, time to decode and the
 * decoder's speed, per system and condition, then integrity trials and the targets.
 * Trials run on two worker threads.
 *
 *   tsx --conditions=@webrtc-connect/source bench/modem.ts [--trials 200]
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { IntegrityResult } from './modem-integrity.ts';
import { benchListener, type ListenerCost } from './modem-listener.ts';
import { SYSTEMS, type SystemName } from './modem-systems.ts';
import { CONDITIONS, type GroupResult, RECORDINGS_PER_ROOM } from './modem-trials.ts';
import type { WorkerTask } from './modem-worker.ts';

export interface ModemCell {
  system: SystemName;
  condition: string;
  trials: number;
  airtimeSeconds: number;
  successRate: number;
  wrongPayloads: number;
  medianLatencySeconds: number | null;
  /** Seconds of sound decoded per second of decoder CPU. */
  realTimeFactor: number;
  bandHz: [number, number];
}

export interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
}

export interface ModemBenchResult {
  targets: Target[];
  trialsPerCell: number;
  cells: ModemCell[];
  integrity: {
    trials: number;
    wrong: number;
    repaired: number;
    rejected: number;
    realTimeFactor: number;
  };
  /** One listener's decoding speed, fast alone and every profile. */
  listener: ListenerCost[];
  seconds: number;
  [key: string]: unknown;
}

const INTEGRITY_BATCH = 100;

export async function benchModem(options: { trials?: number } = {}): Promise<ModemBenchResult> {
  const started = Date.now();
  const trials = Math.max(RECORDINGS_PER_ROOM, options.trials ?? 200);
  const rooms = Math.ceil(trials / RECORDINGS_PER_ROOM);
  const integrityTrials = Math.max(1000, trials * 50);
  const tasks: WorkerTask[] = [];
  // Costliest first, so the two workers finish together.
  for (const system of [...SYSTEMS].reverse())
    for (let condition = 0; condition < CONDITIONS.length; condition += 1)
      for (let room = 0; room < rooms; room += 1)
        tasks.push({
          kind: 'group',
          task: { system, condition, room, recordings: RECORDINGS_PER_ROOM },
        });
  for (const profile of ['fast', 'robust'] as const)
    for (let first = 0; first < integrityTrials / 2; first += INTEGRITY_BATCH)
      tasks.push({
        kind: 'integrity',
        task: { profile, first, count: Math.min(INTEGRITY_BATCH, integrityTrials / 2 - first) },
      });
  const { groups, integrity } = await runOnWorkers(tasks, Math.min(2, availableParallelism()));
  const cells = summarise(groups);
  const integritySummary = {
    trials: integrity.reduce((sum, r) => sum + r.count, 0),
    wrong: integrity.reduce((sum, r) => sum + r.wrong, 0),
    repaired: integrity.reduce((sum, r) => sum + r.repaired, 0),
    rejected: integrity.reduce((sum, r) => sum + r.rejected, 0),
    realTimeFactor:
      integrity.reduce((sum, r) => sum + r.audioSeconds, 0) /
      integrity.reduce((sum, r) => sum + r.decodeSeconds, 0),
  };
  const listener = benchListener();
  const seconds = (Date.now() - started) / 1000;
  printModem(cells, integritySummary, trials, seconds);
  console.log('\nOne listener, 60 s of a looped fast frame in noise at 48 kHz');
  console.table(
    listener.map((row) => ({
      setup: row.setup,
      frames: row.frames,
      'decoder ×RT': Math.round(row.realTimeFactor),
    })),
  );
  const every = listener.find((row) => row.setup.startsWith('every'));
  const targets = targetsOf(cells, integritySummary);
  if (every) {
    targets.push({
      name: 'modem listener, every profile: decoder CPU per second of sound',
      value: round(1 / every.realTimeFactor, 4),
      limit: 0.05,
      unit: 's/s',
    });
  }
  return {
    targets,
    trialsPerCell: rooms * RECORDINGS_PER_ROOM,
    cells,
    integrity: integritySummary,
    listener,
    seconds,
  };
}

function runOnWorkers(
  tasks: WorkerTask[],
  count: number,
): Promise<{ groups: GroupResult[]; integrity: IntegrityResult[] }> {
  const groups: GroupResult[] = [];
  const integrity: IntegrityResult[] = [];
  const queue = [...tasks];
  let running = count;
  return new Promise((resolve, reject) => {
    for (let i = 0; i < count; i += 1) {
      // Worker threads do not inherit tsx's loader: register it before importing the worker.
      const api = import.meta.resolve('tsx/esm/api');
      const entry = new URL('./modem-worker.ts', import.meta.url).href;
      const worker = new Worker(
        `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`,
        { eval: true, execArgv: ['--conditions=@webrtc-connect/source'] },
      );
      worker.on('error', reject);
      worker.on('message', (message: { kind: string; result?: GroupResult | IntegrityResult }) => {
        if (message.kind === 'group') groups.push(message.result as GroupResult);
        if (message.kind === 'integrity') integrity.push(message.result as IntegrityResult);
        const next = queue.shift();
        if (next) {
          worker.postMessage(next);
          return;
        }
        void worker.terminate();
        running -= 1;
        if (running === 0) resolve({ groups, integrity });
      });
    }
  });
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function summarise(groups: GroupResult[]): ModemCell[] {
  const cells: ModemCell[] = [];
  for (const system of SYSTEMS) {
    CONDITIONS.forEach((condition, index) => {
      const mine = groups.filter((g) => g.system === system && g.condition === index);
      const outcomes = mine.flatMap((g) => g.outcomes);
      if (outcomes.length === 0) return;
      const first = mine[0] as GroupResult;
      cells.push({
        system,
        condition: condition.name,
        trials: outcomes.length,
        airtimeSeconds: mine.reduce((sum, g) => sum + g.airtime, 0) / mine.length,
        successRate: outcomes.filter((o) => o.success).length / outcomes.length,
        wrongPayloads: outcomes.reduce((sum, o) => sum + o.wrong, 0),
        medianLatencySeconds: median(
          outcomes.flatMap((o) => (o.latency === null ? [] : [o.latency])),
        ),
        realTimeFactor:
          outcomes.reduce((sum, o) => sum + o.audioSeconds, 0) /
          outcomes.reduce((sum, o) => sum + o.decodeSeconds, 0),
        bandHz: first.band,
      });
    });
  }
  return cells;
}

function cell(cells: ModemCell[], system: SystemName, condition: number): ModemCell {
  const name = (CONDITIONS[condition] as { name: string }).name;
  const found = cells.find((c) => c.system === system && c.condition === name);
  if (!found) throw new Error(`no results for ${system} in ${name}`);
  return found;
}

function targetsOf(cells: ModemCell[], integrity: ModemBenchResult['integrity']): Target[] {
  const fast = cell(cells, 'fast', 1);
  const robust = cell(cells, 'robust', 2);
  const ours = cells.filter((c) => c.system === 'fast' || c.system === 'robust');
  const percent = (rate: number) => Math.round((1 - rate) * 1000) / 10;
  return [
    {
      name: 'modem fast: airtime, 120 bytes',
      value: round(fast.airtimeSeconds),
      limit: 1.2,
      unit: 's',
    },
    {
      name: `modem fast: failed, ${fast.condition}, ±0.1%, 44.1↔48 kHz`,
      value: percent(fast.successRate),
      limit: 1,
      unit: '%',
    },
    {
      name: 'modem robust: airtime, 120 bytes',
      value: round(robust.airtimeSeconds),
      limit: 3,
      unit: 's',
    },
    {
      name: `modem robust: failed, ${robust.condition}, ±0.1%, 44.1↔48 kHz`,
      value: percent(robust.successRate),
      limit: 5,
      unit: '%',
    },
    {
      name: `modem: wrong payloads, ${integrity.trials} integrity + ${ours.reduce((s, c) => s + c.trials, 0)} channel trials`,
      value: integrity.wrong + ours.reduce((sum, c) => sum + c.wrongPayloads, 0),
      limit: 0,
      unit: 'payloads',
    },
    {
      name: 'modem fast: decoder CPU per second of sound (0 dB room)',
      value: round(1 / fast.realTimeFactor, 4),
      limit: 0.05,
      unit: 's/s',
    },
    {
      name: 'modem robust: decoder CPU per second of sound (−5 dB room)',
      value: round(1 / robust.realTimeFactor, 4),
      limit: 0.05,
      unit: 's/s',
    },
  ];
}

function round(value: number, digits = 3): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}

export function printModem(
  cells: ModemCell[],
  integrity: ModemBenchResult['integrity'],
  trials: number,
  seconds: number,
): void {
  console.log(
    `\nAcoustic modem vs ggwave, 120-byte payloads, ${trials} trials per cell (${seconds.toFixed(0)} s)`,
  );
  CONDITIONS.forEach((condition) => {
    console.log(`\n${condition.name}`);
    console.table(
      cells
        .filter((c) => c.condition === condition.name)
        .map((c) => ({
          system: c.system,
          'airtime s': round(c.airtimeSeconds, 2),
          'band Hz': `${Math.round(c.bandHz[0])}–${Math.round(c.bandHz[1])}`,
          success: `${(c.successRate * 100).toFixed(1)}%`,
          wrong: c.wrongPayloads,
          'median s to decode':
            c.medianLatencySeconds === null ? '—' : round(c.medianLatencySeconds, 2),
          'decoder ×RT': Math.round(c.realTimeFactor),
        })),
    );
  });
  console.log(
    `\nIntegrity: ${integrity.trials} trials of noise, speech, music and damaged frames: ${integrity.wrong} wrong payloads, ${integrity.repaired} repaired, ${integrity.rejected} frames refused by their checksum (decoder ${Math.round(integrity.realTimeFactor)}× real time)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { trials: { type: 'string' } } });
  const result = await benchModem(values.trials ? { trials: Number(values.trials) } : {});
  console.table(
    result.targets.map(({ name, value, limit, unit }) => ({
      target: name,
      measured: `${value} ${unit}`,
      limit: `<= ${limit} ${unit}`,
      met: value <= limit ? 'yes' : 'NO',
    })),
  );
}
