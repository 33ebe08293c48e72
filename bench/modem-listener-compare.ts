/**
 * The modem listener's real-time factors (the recording and setups of bench/modem-listener.ts:
 * one fast demodulator, and every profile as every listener runs them) for other checkouts and
 * this one, side by side: runs alternate between the checkouts, each a fresh process feeding
 * its checkout's modem the recording in slots of 2 s of sound, timed in CPU time (wall time,
 * as modem-listener.ts times it, moved by a factor of 5 with this shared machine's load). A
 * checkout's figure in a run is the median of its slots. (All checkouts in one process, taking
 * turns, was tried: two checkouts with the same modem code then differed by a quarter.)
 *
 *   tsx --conditions=@webrtc-connect/source bench/modem-listener-compare.ts [DIR...] [--runs N] [--slots N] [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { commitOf, median, runInChild } from './compare-trees.ts';
import { BLOCK, RATE, recording } from './modem-listener.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SLOT_SECONDS = 2;
const WARM_UP_SECONDS = 10;
const SETUPS = ['fast demodulator (reference)', 'every profile (every listener)'];

interface Modem {
  modulate(payload: Uint8Array, options: { sampleRate: number; profile: string }): Float32Array;
  createDemodulator(options: { sampleRate: number; profile?: string }): Demodulator;
  createDemodulators(options: { sampleRate: number }): Demodulator;
}
interface Demodulator {
  push(block: Float32Array): unknown[];
}

interface TreeRun {
  tree: string;
  commit: string;
  /** Per setup: seconds of sound decoded per second of CPU, the median of the slots. */
  realTimeFactors: number[];
}

/** A demodulator fed the recording on from where it stopped, `seconds` at a time. */
function feeder(demodulator: Demodulator, sound: Float32Array) {
  let at = 0;
  return (seconds: number): number => {
    const cpu = process.cpuUsage();
    for (let fed = 0; fed < seconds * RATE; fed += BLOCK) {
      demodulator.push(sound.subarray(at, at + BLOCK));
      at = at + BLOCK >= sound.length ? 0 : at + BLOCK;
    }
    const used = process.cpuUsage(cpu);
    return seconds / ((used.user + used.system) / 1e6);
  };
}

async function runInterleaved(trees: readonly string[], slots: number): Promise<TreeRun[]> {
  const feeders: ((seconds: number) => number)[][] = [];
  for (const tree of trees) {
    const url = pathToFileURL(resolve(tree, 'packages/modem/src/index.ts')).href;
    const modem = (await import(url)) as Modem;
    const sound = recording((payload, options) => modem.modulate(payload, options));
    const setups = [
      modem.createDemodulator({ sampleRate: RATE, profile: 'fast' }),
      modem.createDemodulators({ sampleRate: RATE }),
    ].map((demodulator) => feeder(demodulator, sound));
    for (const feed of setups) feed(WARM_UP_SECONDS);
    feeders.push(setups);
  }
  const factors = trees.map(() => SETUPS.map(() => [] as number[]));
  for (let n = 0; n < slots; n += 1) {
    for (let k = 0; k < trees.length; k += 1) {
      const i = (n + k) % trees.length;
      feeders[i]?.forEach((feed, setup) => {
        factors[i]?.[setup]?.push(feed(SLOT_SECONDS));
      });
    }
  }
  return trees.map((tree, i) => ({
    tree,
    commit: commitOf(tree),
    realTimeFactors: (factors[i] ?? []).map((values) => Math.round(median(values) * 10) / 10),
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      child: { type: 'boolean' },
      runs: { type: 'string' },
      slots: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const slots = Number(values.slots ?? 10);
  if (values.child) {
    console.log(JSON.stringify(await runInterleaved(positionals, slots)));
  } else {
    const trees = [...positionals.map((tree) => resolve(tree)), ROOT];
    const runs: TreeRun[][] = [];
    for (let n = 0; n < Number(values.runs ?? 5); n += 1) {
      // The order turns from run to run, as the machine's load may change within a run.
      const run: TreeRun[] = [];
      for (let k = 0; k < trees.length; k += 1) {
        const tree = trees[(n + k) % trees.length] as string;
        const args = ['--child', '--slots', String(slots), tree];
        run.push(...(await runInChild<TreeRun[]>(fileURLToPath(import.meta.url), args)));
      }
      run.sort((a, b) => trees.indexOf(a.tree) - trees.indexOf(b.tree));
      console.log(
        run.map((tree) => `${tree.commit}: ${tree.realTimeFactors.join('× ')}×`).join(', '),
      );
      runs.push(run);
    }
    const summary = trees.flatMap((tree, i) =>
      SETUPS.map((setup, s) => {
        const factors = runs.map((run) => run[i]?.realTimeFactors[s] ?? 0);
        return {
          commit: commitOf(tree),
          setup,
          'median ×': median(factors),
          'min-max ×': `${Math.min(...factors)}-${Math.max(...factors)}`,
          runs: factors.join(' '),
        };
      }),
    );
    console.table(summary);
    if (values.out) {
      writeFileSync(values.out, `${JSON.stringify({ trees, runs, summary }, null, 1)}\n`);
    }
  }
}
