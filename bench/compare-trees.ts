/**
 * What the benches that compare checkouts (capacity-compare.ts, modem-listener-compare.ts,
 * relay-path.ts) share: each tree named by its commit, a run in a fresh process, and the median
 * of the runs.
 */
import { execFileSync, spawn } from 'node:child_process';

/** The short commit of the checkout at `tree`; the path itself when git cannot tell. */
export function commitOf(tree: string): string {
  try {
    return execFileSync('git', ['-C', tree, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return tree;
  }
}

/**
 * Runs `file` (a bench of this checkout, under tsx with the source condition) in a fresh Node
 * process with `args`, and resolves to the JSON of the last line it prints.
 */
export function runInChild<T>(file: string, args: readonly string[]): Promise<T> {
  const argv = ['--conditions=@webrtc-connect/source', '--import', 'tsx', file, ...args];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code !== 0) fail(new Error(`a run exited with ${code}`));
      else done(JSON.parse(out.trim().split('\n').at(-1) ?? '') as T);
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
