/**
 * A worker thread of the modem benchmark: runs the groups of trials and integrity batches the
 * main thread sends, one at a time, and posts each result back.
 */
import { parentPort } from 'node:worker_threads';
import { type IntegrityTask, runIntegrity } from './modem-integrity.ts';
import { loadGgwave } from './modem-systems.ts';
import { type GroupTask, runGroup } from './modem-trials.ts';

export type WorkerTask =
  | { kind: 'group'; task: GroupTask }
  | { kind: 'integrity'; task: IntegrityTask };

await loadGgwave();
parentPort?.on('message', (message: WorkerTask) => {
  const result = message.kind === 'group' ? runGroup(message.task) : runIntegrity(message.task);
  parentPort?.postMessage({ kind: message.kind, result });
});
parentPort?.postMessage({ kind: 'ready' });
