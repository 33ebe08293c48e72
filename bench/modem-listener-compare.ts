/**
 * The modem listener's real-time factors (bench/modem-listener.ts) of other checkouts and of
 * this one, side by side: runs alternate between the checkouts, each in a fresh process, so
 * that the shared machine's load falls on all of them alike. A change to the server must leave
 * these as they were; a change to the modem shows here what it costs or saves.
 *
 *   tsx --conditions=@webrtc-connect/source bench/modem-listener-compare.ts DIR... [--runs N] [--out FILE]
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ListenerCost } from './modem-listener.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface ListenerRun {
  tree: string;
  costs: ListenerCost[];
}

function runInChild(tree: string): Promise<ListenerCost[]> {
  const file = fileURLToPath(import.meta.url);
  const args = ['--conditions=@webrtc-connect/source', '--import', 'tsx', file, '--child', tree];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('exit', (code) => {
      if (code !== 0) fail(new Error(`the run of ${tree} exited with ${code}`));
      else done(JSON.parse(out.trim().split('\n').at(-1) ?? '') as ListenerCost[]);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function commitOf(tree: string): string {
  try {
    return execFileSync('git', ['-C', tree, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return tree;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { child: { type: 'string' }, runs: { type: 'string' }, out: { type: 'string' } },
  });
  if (values.child) {
    const url = pathToFileURL(resolve(values.child, 'bench/modem-listener.ts')).href;
    const { benchListener } = (await import(url)) as { benchListener: () => ListenerCost[] };
    console.log(JSON.stringify(benchListener()));
  } else {
    const trees = [...positionals.map((tree) => resolve(tree)), ROOT];
    const runs: ListenerRun[] = [];
    for (let n = 0; n < Number(values.runs ?? 5); n += 1) {
      for (const tree of trees) {
        const costs = await runInChild(tree);
        console.log(
          `${commitOf(tree)}: ${costs.map((cost) => `${cost.realTimeFactor.toFixed(1)}×`).join(' ')}`,
        );
        runs.push({ tree, costs });
      }
    }
    const summary = trees.flatMap((tree) => {
      const mine = runs.filter((run) => run.tree === tree);
      return (mine[0]?.costs ?? []).map((cost, i) => {
        const factors = mine.map((run) => run.costs[i]?.realTimeFactor ?? 0);
        return {
          commit: commitOf(tree),
          setup: cost.setup,
          'median ×': Math.round(median(factors) * 10) / 10,
          'min-max ×': `${Math.min(...factors).toFixed(1)}-${Math.max(...factors).toFixed(1)}`,
        };
      });
    });
    console.table(summary);
    if (values.out) {
      writeFileSync(values.out, `${JSON.stringify({ trees, runs, summary }, null, 1)}\n`);
    }
  }
}
