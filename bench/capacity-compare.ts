/**
 * The account capacity bench's relay (and idle memory) for our server of two checkouts, side
 * by side: another checkout's (a worktree of an older commit, `npm ci`-ed) and this one's, in
 * runs alternating between the two, so that the shared machine's load falls on both alike.
 * Every run's figures and each tree's median and spread go into the JSON. The load clients are
 * this checkout's (bench/capacity-load.ts) for both.
 *
 *   tsx --conditions=@webrtc-connect/source bench/capacity-compare.ts DIR [DIR...] [connections [seconds]] [--runs N] [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type CapacityFigures,
  defaultConnections,
  measure,
  PAIRS,
  RELAY_SECONDS,
} from './account-capacity.ts';
import { commitOf, median } from './compare-trees.ts';

/** One tree's runs in a comparison, and their medians and spread. */
export interface CapacityComparisonTree {
  tree: string;
  commit: string;
  runs: CapacityFigures[];
  signalsPerSecond: { median: number; min: number; max: number };
  serverCpuMicrosPerSignal: { median: number; min: number; max: number };
}

/** Our server of each of `compareRoots` and of this checkout, in turn, `runs` times each. */
export async function compareAccountCapacity(
  compareRoots: readonly string[],
  options: { connections: number; relaySeconds: number; runs: number },
): Promise<{ measured: string; trees: CapacityComparisonTree[] }> {
  const here = fileURLToPath(new URL('..', import.meta.url));
  const roots = [...compareRoots.map((root) => resolve(root)), resolve(here)];
  const runs = roots.map(() => [] as CapacityFigures[]);
  for (let n = 0; n < options.runs; n += 1) {
    for (const [i, root] of roots.entries()) {
      const figures = await measure('ours', options.connections, PAIRS, options.relaySeconds, root);
      console.log(
        `${commitOf(root)}: ${figures.relayedPerSecond} signals/s, ` +
          `${figures.serverCpuMicrosPerSignal} µs server CPU a signal, load ${figures.loadAverage.join(' → ')}`,
      );
      runs[i]?.push(figures);
    }
  }
  const spread = (values: number[]) => ({
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
  });
  const trees = roots.map((root, i) => {
    const mine = runs[i] ?? [];
    return {
      tree: root,
      commit: commitOf(root),
      runs: mine,
      signalsPerSecond: spread(mine.map((figures) => figures.relayedPerSecond)),
      serverCpuMicrosPerSignal: spread(mine.map((figures) => figures.serverCpuMicrosPerSignal)),
    };
  });
  console.table(
    trees.map((tree) => ({
      commit: tree.commit,
      'signals/s median': tree.signalsPerSecond.median,
      'signals/s min-max': `${tree.signalsPerSecond.min}-${tree.signalsPerSecond.max}`,
      'µs/signal median': tree.serverCpuMicrosPerSignal.median,
      'µs/signal min-max': `${tree.serverCpuMicrosPerSignal.min}-${tree.serverCpuMicrosPerSignal.max}`,
    })),
  );
  return {
    measured:
      `our server of each tree, ${options.connections} idle connections then ${PAIRS} pairs ` +
      `relaying for ${options.relaySeconds} s, ${options.runs} runs each, alternating`,
    trees,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { runs: { type: 'string' }, out: { type: 'string' } },
  });
  // Checkouts, then the counts.
  const compare = positionals.filter((value) => !/^\d+$/.test(value));
  const [connections, seconds] = positionals.filter((value) => /^\d+$/.test(value));
  if (compare.length === 0) {
    throw new Error('usage: capacity-compare.ts DIR [DIR...] [connections [seconds]]');
  }
  const result = await compareAccountCapacity(compare, {
    connections: Number(connections ?? defaultConnections()),
    relaySeconds: Number(seconds ?? RELAY_SECONDS),
    runs: Number(values.runs ?? 5),
  });
  if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 1)}\n`);
}
