// Loaded into a benchmarked server process (`node --expose-gc --import ./bench/memory-probe.js`,
// with an IPC channel): on `{ cmd: 'memory' }` it collects all garbage it can and answers with
// process.memoryUsage(), so that memory per connection is read without the garbage of the
// handshakes; on `{ cmd: 'snapshot', path }` it collects likewise and writes a heap snapshot
// there (bench/heap-per-connection.ts). The same probe goes into our server and into the
// PeerJS server.
import { readdirSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

function collectAll() {
  const collect = globalThis.gc;
  // Several passes: weak references and finalisers free more on the next one.
  for (let pass = 0; pass < 4; pass += 1) collect?.();
  return typeof collect === 'function';
}

process.on('message', (message) => {
  if (message?.cmd === 'memory') {
    const collected = collectAll();
    // Open files: every connection holds one, so this says how many are really open.
    // At the descriptor limit even this listing fails: the server is full, not broken.
    let files = -1;
    try {
      files = readdirSync('/proc/self/fd').length;
    } catch {}
    let usage = { rss: Number.NaN, heapUsed: Number.NaN, heapTotal: Number.NaN, external: 0 };
    try {
      usage = process.memoryUsage();
    } catch {}
    process.send?.({ cmd: 'memory', collected, files, ...usage });
  } else if (message?.cmd === 'snapshot' && typeof message.path === 'string') {
    const collected = collectAll();
    process.send?.({ cmd: 'snapshot', collected, file: writeHeapSnapshot(message.path) });
  }
});
// The channel must not keep the server alive once it has closed everything else.
process.channel?.unref();
