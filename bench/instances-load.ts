/**
 * The load client of bench/instances.ts, in its own process (so it shares no event loop with
 * the servers it loads), driven over IPC. Pairs of devices of one user (one user per pair, a
 * token signed with the instances' shared secret) bounce one signal back and forth, one at a
 * time per pair, as fast as the servers relay it. Each pair's two devices are on the instances
 * given for it, so with several instances every signal crosses from one to another.
 */
import { WebSocket } from 'ws';
import { instanceToken } from '../test/harness/server-instances.ts';

export interface RelayCommand {
  /** Instance addresses; pair n puts its devices on urls[n % k] and urls[(n + 1) % k]. */
  urls: string[];
  pairs: number;
  seconds: number;
}

export type RelayReport =
  | { ok: true; relayed: number; seconds: number; p50Ms: number; p99Ms: number; loadCpu: number }
  | { ok: false; message: string };

interface Endpoint {
  socket: WebSocket;
  id: string;
}

const HEARTBEAT_MS = 750;

function open(url: string, token: string): Promise<Endpoint> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/account`);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed ${code}`)));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', version: 1, token })));
    socket.once('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { type: string; id?: string };
      if (frame.type === 'welcome' && frame.id) resolve({ socket, id: frame.id });
      else reject(new Error(`first frame: ${String(raw)}`));
    });
  });
}

async function relay({ urls, pairs, seconds }: RelayCommand) {
  const endpoints: [Endpoint, Endpoint][] = [];
  for (let pair = 0; pair < pairs; pair += 1) {
    const token = await instanceToken(`pair-${pair}`);
    const a = await open(urls[pair % urls.length] ?? '', token);
    const b = await open(urls[(pair + 1) % urls.length] ?? '', token);
    endpoints.push([a, b]);
  }
  // Pings, as real devices send them, so nobody is found silent while waiting.
  const ping = setInterval(() => {
    for (const pair of endpoints) for (const { socket } of pair) socket.send('{"type":"ping"}');
  }, HEARTBEAT_MS);
  const latencies: number[] = [];
  let relayed = 0;
  let running = true;
  const send = (from: Endpoint, to: Endpoint) => {
    from.socket.send(
      JSON.stringify({ type: 'signal', to: to.id, data: { sent: performance.now() } }),
    );
  };
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (const [a, b] of endpoints) {
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      self.socket.on('message', (raw) => {
        const frame = JSON.parse(String(raw)) as { type: string; data?: { sent: number } };
        if (frame.type !== 'signal' || frame.data?.sent === undefined) return;
        relayed += 1;
        latencies.push(performance.now() - frame.data.sent);
        if (running) send(self, other);
      });
    }
    send(a, b);
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  running = false;
  clearInterval(ping);
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  for (const pair of endpoints) for (const { socket } of pair) socket.terminate();
  latencies.sort((x, y) => x - y);
  const at = (p: number) =>
    Math.round((latencies[Math.ceil(p * latencies.length) - 1] ?? 0) * 100) / 100;
  return {
    relayed,
    seconds: elapsed,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    loadCpu: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100) / 100,
  };
}

process.on('message', (command: RelayCommand) => {
  const reply = (report: RelayReport) => process.send?.(report);
  relay(command).then(
    (figures) => reply({ ok: true, ...figures }),
    (error: unknown) => reply({ ok: false, message: String(error) }),
  );
});
