/**
 * What one idle connection holds on the V8 heap, object kind by object kind: either server (ours
 * or the PeerJS server, as bench/account-capacity.ts starts them), a heap snapshot after a
 * warm-up of 200 connections and another after `count` more, both after forced garbage
 * collection, and the difference divided by `count`. A tool for working on memory (it found
 * the room values that each had a hidden class of their own, the arrays with room to grow and
 * the per-room EventEmitter keys), not a benchmark with a target: it prints a table and writes
 * nothing else but the two snapshots, into a temporary folder it removes.
 *
 *   tsx --conditions=@webrtc-connect/source bench/heap-per-connection.ts [ours|peerjs [count]]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoadClient, startServer } from './account-capacity.ts';
import type { LoadCommand, ServerKind } from './capacity-load.ts';

const WARM_UP = 200;
/** Rows smaller than this many bytes a connection are left out. */
const SHOWN_FROM_BYTES = 8;

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Kinds whose names say something (a constructor, an internal type); the others by type. */
const NAMED = new Set(['object', 'closure', 'native', 'synthetic', 'object shape', 'array']);

/** Count and bytes of each kind of heap object. */
async function kindsOf(file: string): Promise<Map<string, { count: number; bytes: number }>> {
  const heap = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const kinds = new Map<string, { count: number; bytes: number }>();
  for (let node = 0; node < heap.nodes.length; node += width) {
    const type = types[heap.nodes[node + typeAt] as number] ?? '?';
    const name = NAMED.has(type) ? heap.strings[heap.nodes[node + nameAt] as number] : undefined;
    const kind = name === undefined ? type : `${type}: ${name.slice(0, 60)}`;
    const entry = kinds.get(kind) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += heap.nodes[node + sizeAt] as number;
    kinds.set(kind, entry);
  }
  return kinds;
}

async function heapPerConnection(kind: ServerKind, count: number) {
  const folder = await mkdtemp(join(tmpdir(), 'heap-per-connection-'));
  const server = await startServer(kind, WARM_UP + count + 100);
  const load = startLoadClient();
  try {
    const open = async (connections: number, prefix: string) => {
      const command: LoadCommand = {
        cmd: 'open',
        kind,
        url: server.url,
        count: connections,
        prefix,
      };
      const report = await load.ask(command);
      if (report.cmd !== 'open' || report.opened !== connections) {
        throw new Error(`opening ${connections}: ${JSON.stringify(report)}`);
      }
    };
    await open(WARM_UP, 'warm');
    const before = join(folder, 'before.heapsnapshot');
    await server.snapshot(before);
    await open(count, 'held');
    const after = join(folder, 'after.heapsnapshot');
    await server.snapshot(after);
    const [was, is] = await Promise.all([kindsOf(before), kindsOf(after)]);
    const rows = [...is].map(([name, { count: n, bytes }]) => {
      const old = was.get(name) ?? { count: 0, bytes: 0 };
      return { kind: name, bytes: (bytes - old.bytes) / count, objects: (n - old.count) / count };
    });
    // Code compiled meanwhile is warm-up, not something a connection holds.
    const total = rows.reduce((sum, row) => sum + (row.kind === 'code' ? 0 : row.bytes), 0);
    console.log(
      `\n${kind}: ${count} idle connections after ${WARM_UP}, heap bytes a connection by kind ` +
        `(total ${Math.round(total)} B without code, which is warm-up)`,
    );
    console.table(
      rows
        .filter((row) => Math.abs(row.bytes) >= SHOWN_FROM_BYTES)
        .sort((a, b) => b.bytes - a.bytes)
        .map((row) => ({
          kind: row.kind,
          'bytes each': Math.round(row.bytes),
          'objects each': Math.round(row.objects * 100) / 100,
        })),
    );
  } finally {
    await load.stop();
    await server.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

const [, , kindArgument = 'ours', countArgument = '2000'] = process.argv;
if (kindArgument !== 'ours' && kindArgument !== 'peerjs') throw new Error('ours or peerjs');
await heapPerConnection(kindArgument, Number(countArgument));
