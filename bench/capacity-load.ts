/**
 * The load client of bench/account-capacity.ts, in its own process (so it shares no event loop
 * with the server it loads), driven over IPC. The same client for both servers: `ws` sockets
 * that authenticate and then only keep alive as each server's own client would (our devices
 * ping every heartbeat; PeerJS clients send HEARTBEAT every 5 s), and pairs that relay signals
 * to each other through the server, one at a time per pair, as fast as the server answers.
 */
import { WebSocket } from 'ws';

export type ServerKind = 'ours' | 'peerjs';

export type LoadCommand =
  | { cmd: 'idle'; kind: ServerKind; url: string; count: number }
  | { cmd: 'relay'; kind: ServerKind; url: string; pairs: number; seconds: number };

export type LoadReport =
  | { cmd: 'idle'; opened: number; failed: number; seconds: number }
  | {
      cmd: 'relay';
      relayed: number;
      seconds: number;
      p50Ms: number;
      p99Ms: number;
      /** This process's CPU time over the run's wall time: near 1, the load client is the limit. */
      loadCpu: number;
    }
  | { cmd: 'error'; message: string };

const OUR_HEARTBEAT_MS = 750;
const PEERJS_HEARTBEAT_MS = 5000;
/** Sign-ins and handshakes in flight at once. */
const CONCURRENCY = 200;

/** An authenticated socket; `id` is what other sockets address it by. */
interface Endpoint {
  socket: WebSocket;
  id: string;
}

const kept: WebSocket[] = [];

async function openOurs(url: string, user: string): Promise<Endpoint> {
  const response = await fetch(new URL('/api/dev/sign-in', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user }),
  });
  if (!response.ok) throw new Error(`sign-in: ${response.status}`);
  const { token } = (await response.json()) as { token: string };
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

function openPeerjs(url: string, id: string): Promise<Endpoint> {
  const socket = new WebSocket(
    `${url.replace(/^http/, 'ws')}/peerjs?key=peerjs&id=${id}&token=${id}-token`,
  );
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed ${code}`)));
    socket.once('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { type: string };
      if (frame.type === 'OPEN') resolve({ socket, id });
      else reject(new Error(`first frame: ${String(raw)}`));
    });
  });
}

/** Opens `count` endpoints, two per user (a pair of devices) for our server. */
async function openMany(kind: ServerKind, url: string, count: number, prefix: string) {
  const endpoints: (Endpoint | undefined)[] = new Array(count);
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next;
      next += 1;
      const user = `${prefix}${Math.floor(n / 2)}`;
      try {
        endpoints[n] =
          kind === 'ours' ? await openOurs(url, user) : await openPeerjs(url, `${prefix}${n}`);
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const opened = endpoints.filter((endpoint): endpoint is Endpoint => endpoint !== undefined);
  for (const { socket } of opened) {
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    socket.on('error', () => {});
    kept.push(socket);
  }
  return { endpoints, failed };
}

function keepAlive(kind: ServerKind): void {
  const frame = JSON.stringify(kind === 'ours' ? { type: 'ping' } : { type: 'HEARTBEAT' });
  setInterval(
    () => {
      for (const socket of kept) if (socket.readyState === WebSocket.OPEN) socket.send(frame);
    },
    kind === 'ours' ? OUR_HEARTBEAT_MS : PEERJS_HEARTBEAT_MS,
  ).unref();
}

/** Each pair bounces one signal back and forth; every hop is one relay, timed one way. */
async function relay(kind: ServerKind, url: string, pairs: number, seconds: number) {
  // Measured alone: the idle connections (and their pings) are gone first.
  for (const socket of kept.splice(0)) socket.terminate();
  const { endpoints } = await openMany(kind, url, pairs * 2, 'relay');
  const latencies: number[] = [];
  let relayed = 0;
  let running = true;
  const send = (from: Endpoint, to: Endpoint) => {
    const data = { sent: performance.now() };
    from.socket.send(
      JSON.stringify(
        kind === 'ours'
          ? { type: 'signal', to: to.id, data }
          : { type: 'OFFER', dst: to.id, payload: data },
      ),
    );
  };
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let pair = 0; pair < pairs; pair += 1) {
    const a = endpoints[pair * 2];
    const b = endpoints[pair * 2 + 1];
    if (!a || !b) throw new Error(`pair ${pair} did not open`);
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      self.socket.on('message', (raw) => {
        const frame = JSON.parse(String(raw)) as {
          type: string;
          data?: { sent: number };
          payload?: { sent: number };
        };
        const stamp = frame.data?.sent ?? frame.payload?.sent;
        if (stamp === undefined) return;
        relayed += 1;
        latencies.push(performance.now() - stamp);
        if (running) send(self, other);
      });
    }
    send(a, b);
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  running = false;
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const loadCpu = Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100) / 100;
  latencies.sort((x, y) => x - y);
  const at = (p: number) =>
    Math.round((latencies[Math.ceil(p * latencies.length) - 1] ?? 0) * 100) / 100;
  return { relayed, seconds: elapsed, p50Ms: at(0.5), p99Ms: at(0.99), loadCpu };
}

process.on('message', (command: LoadCommand) => {
  const reply = (report: LoadReport) => process.send?.(report);
  const run = async (): Promise<LoadReport> => {
    const start = performance.now();
    if (command.cmd === 'idle') {
      const { endpoints, failed } = await openMany(command.kind, command.url, command.count, 'u');
      keepAlive(command.kind);
      const opened = endpoints.filter(Boolean).length;
      return { cmd: 'idle', opened, failed, seconds: (performance.now() - start) / 1000 };
    }
    return {
      cmd: 'relay',
      ...(await relay(command.kind, command.url, command.pairs, command.seconds)),
    };
  };
  run().then(reply, (error: unknown) => reply({ cmd: 'error', message: String(error) }));
});
