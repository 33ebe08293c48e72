/**
 * A load client of bench/account-capacity.ts, in its own process (so it shares no event loop
 * with the server it loads, and has its own limit of open files), driven over IPC; the bench
 * runs several. The same client for both servers: `ws` sockets that authenticate and then only
 * keep alive as each server's own client would (our devices ping at the heartbeat the welcome
 * names for their role; PeerJS clients send HEARTBEAT every 5 s), and pairs that relay signals
 * to each other through the server with a window of signals in flight each way.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';

export type ServerKind = 'ours' | 'peerjs';

export type LoadCommand =
  | { cmd: 'open'; kind: ServerKind; url: string; count: number; prefix: string }
  | { cmd: 'close' }
  | {
      cmd: 'relay';
      kind: ServerKind;
      url: string;
      pairs: number;
      seconds: number;
      /** Signals in flight each way per pair. */
      window: number;
      prefix: string;
      /** The server's process: its CPU time is read over the relay's window. */
      serverPid: number;
    };

export type LoadReport =
  | {
      cmd: 'open';
      opened: number;
      failed: number;
      seconds: number;
      firstError?: string | undefined;
      /** This process's longest event-loop stall while opening: its pings wait that long. */
      loopDelayMaxMs: number;
    }
  | { cmd: 'close'; closed: number }
  | {
      cmd: 'relay';
      relayed: number;
      seconds: number;
      /** One-way latencies in ms, rounded to 10 µs (merged across load processes). */
      latencies: number[];
      /** This process's CPU time over the run's wall time: near 1, the load client is the limit. */
      loadCpu: number;
      /** The server's CPU seconds over the same window. */
      serverCpuSeconds: number;
    }
  | { cmd: 'error'; message: string };

const PEERJS_HEARTBEAT_MS = 5000;
/** What precedes a relayed signal's time stamp, in either server's frame. */
const SENT = '{"sent":';
/** Sign-ins and handshakes in flight at once. */
const CONCURRENCY = 100;
/** Keep-alives are looked at this often; each socket pings when its heartbeat is due. */
const SLICE_MS = 50;

/** An authenticated socket; `id` is what other sockets address it by. */
interface Endpoint {
  socket: WebSocket;
  id: string;
  /** How often this socket pings: for ours, by its role, which a room frame may change. */
  heartbeatMs: number;
  /** When its next ping is due (performance.now()). */
  pingAt: number;
}

const kept: Endpoint[] = [];

async function signIn(url: string, user: string): Promise<string> {
  const response = await fetch(new URL('/api/dev/sign-in', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user }),
  });
  if (!response.ok) throw new Error(`sign-in: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

function openOurs(url: string, token: string): Promise<Endpoint> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/account`, {
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed ${code}`)));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', version: 1, token })));
    socket.once('message', (raw) => {
      const frame = JSON.parse(String(raw)) as {
        type: string;
        id?: string;
        broadcaster?: string;
        heartbeatMs?: number;
        idleHeartbeatMs?: number;
      };
      if (frame.type !== 'welcome' || !frame.id) {
        reject(new Error(`first frame: ${String(raw)}`));
        return;
      }
      const { id } = frame;
      const fast = frame.heartbeatMs ?? 750;
      const idle = frame.idleHeartbeatMs ?? fast;
      const endpoint = endpointOf(socket, id, frame.broadcaster === id ? fast : idle);
      // A device promoted to broadcaster (its partner went) pings at the fast heartbeat from
      // then on, as the library does; only room frames are read, and only for that.
      socket.on('message', (data: Buffer) => {
        // `{"type":"r…`: nothing else is decoded (pongs and signals are most frames).
        if (data[9] !== 0x72) return;
        const text = String(data);
        if (!text.startsWith('{"type":"room"')) return;
        const room = JSON.parse(text) as { broadcaster: string | null };
        endpoint.heartbeatMs = room.broadcaster === id ? fast : idle;
        endpoint.pingAt = Math.min(endpoint.pingAt, performance.now() + endpoint.heartbeatMs);
      });
      resolve(endpoint);
    });
  });
}

function openPeerjs(url: string, id: string): Promise<Endpoint> {
  const socket = new WebSocket(
    `${url.replace(/^http/, 'ws')}/peerjs?key=peerjs&id=${id}&token=${id}-token`,
    { perMessageDeflate: false },
  );
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed ${code}`)));
    socket.once('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { type: string };
      if (frame.type === 'OPEN') resolve(endpointOf(socket, id, PEERJS_HEARTBEAT_MS));
      else reject(new Error(`first frame: ${String(raw)}`));
    });
  });
}

/**
 * Opens `count` endpoints, two per user (a pair of devices, one token) for our server. Each
 * keeps alive from the moment it is open: opening thousands takes longer than a silence window.
 */
async function openMany(kind: ServerKind, url: string, count: number, prefix: string) {
  keepAlive(kind);
  const endpoints: (Endpoint | undefined)[] = new Array(count);
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next;
      next += 2;
      try {
        if (kind === 'ours') {
          const token = await signIn(url, `${prefix}${n / 2}`);
          endpoints[n] = keep(await openOurs(url, token));
          if (n + 1 < count) endpoints[n + 1] = keep(await openOurs(url, token));
        } else {
          endpoints[n] = keep(await openPeerjs(url, `${prefix}${n}`));
          if (n + 1 < count) endpoints[n + 1] = keep(await openPeerjs(url, `${prefix}${n + 1}`));
        }
      } catch (error) {
        firstError ??= String(error);
        failed += n + 1 < count ? 2 : 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const opened = endpoints.filter((endpoint): endpoint is Endpoint => endpoint !== undefined);
  for (const { socket } of opened) {
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    socket.on('error', () => {});
  }
  return { endpoints, opened, failed: Math.min(failed, count - opened.length), firstError };
}

/** Its first ping at a random point of its heartbeat, so that pings are spread evenly. */
function endpointOf(socket: WebSocket, id: string, heartbeatMs: number): Endpoint {
  return { socket, id, heartbeatMs, pingAt: performance.now() + Math.random() * heartbeatMs };
}

function keep(endpoint: Endpoint): Endpoint {
  kept.push(endpoint);
  return endpoint;
}

let keepingAlive = false;

/**
 * Each kept socket pings when its heartbeat is due, by the clock: after a stall of this
 * process (a busy machine), every socket that is due pings at once rather than a tick late.
 */
function keepAlive(kind: ServerKind): void {
  if (keepingAlive) return;
  keepingAlive = true;
  const frame = JSON.stringify(kind === 'ours' ? { type: 'ping' } : { type: 'HEARTBEAT' });
  setInterval(() => {
    const now = performance.now();
    for (const endpoint of kept) {
      if (now < endpoint.pingAt) continue;
      endpoint.pingAt = now + endpoint.heartbeatMs;
      if (endpoint.socket.readyState === WebSocket.OPEN) endpoint.socket.send(frame);
    }
  }, SLICE_MS).unref();
}

/**
 * Each pair keeps `window` signals in flight each way: every signal that arrives is answered
 * with a new one, so the server always has work; every hop is one relay, timed one way.
 */
async function relay(command: Extract<LoadCommand, { cmd: 'relay' }>) {
  const { kind, url, pairs, seconds, window, prefix } = command;
  const { endpoints } = await openMany(kind, url, pairs * 2, prefix);
  const latencies: number[] = [];
  let relayed = 0;
  let running = true;
  // The load client must cost as little as it can, so that the server is what is measured:
  // frames are written as text and only their time stamp is read back.
  const send = (from: Endpoint, to: Endpoint) => {
    const data = `{"sent":${performance.now()}}`;
    holdWrites(from.socket);
    from.socket.send(
      kind === 'ours'
        ? `{"type":"signal","to":"${to.id}","data":${data}}`
        : `{"type":"OFFER","dst":"${to.id}","payload":${data}}`,
    );
  };
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const serverCpuStart = cpuSeconds(command.serverPid);
  for (let pair = 0; pair < pairs; pair += 1) {
    const a = endpoints[pair * 2];
    const b = endpoints[pair * 2 + 1];
    if (!a || !b) throw new Error(`pair ${pair} did not open`);
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      self.socket.on('message', (raw) => {
        const text = String(raw);
        const at = text.lastIndexOf(SENT);
        if (at < 0 || !running) return;
        const stamp = Number.parseFloat(text.slice(at + SENT.length));
        relayed += 1;
        latencies.push(Math.round((performance.now() - stamp) * 100) / 100);
        send(self, other);
      });
    }
    for (let n = 0; n < window; n += 1) {
      send(a, b);
      send(b, a);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  running = false;
  const serverCpuSeconds = cpuSeconds(command.serverPid) - serverCpuStart;
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const loadCpu = Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100) / 100;
  closeAll();
  return { relayed, seconds: elapsed, latencies, loadCpu, serverCpuSeconds };
}

/**
 * What one socket sends while this process works through a round of input leaves in one write
 * (the socket is corked at its first frame and uncorked when the round is over), as a device
 * answering a burst of signals would.
 */
const held = new Set<Socket>();

function holdWrites(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  if (!raw || held.has(raw)) return;
  if (held.size === 0) setImmediate(releaseWrites);
  held.add(raw);
  raw.cork();
}

function releaseWrites(): void {
  for (const raw of held) raw.uncork();
  held.clear();
}

/** User and system CPU time of a process so far, from /proc (Linux; 100 ticks a second). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function closeAll(): number {
  const closing = kept.splice(0);
  for (const { socket } of closing) socket.terminate();
  return closing.length;
}

process.on('message', (command: LoadCommand) => {
  const reply = (report: LoadReport) => process.send?.(report);
  const run = async (): Promise<LoadReport> => {
    const start = performance.now();
    switch (command.cmd) {
      case 'open': {
        const loop = monitorEventLoopDelay({ resolution: 20 });
        loop.enable();
        const { opened, failed, firstError } = await openMany(
          command.kind,
          command.url,
          command.count,
          command.prefix,
        );
        const seconds = (performance.now() - start) / 1000;
        loop.disable();
        const loopDelayMaxMs = Math.round(loop.max / 1e6);
        return { cmd: 'open', opened: opened.length, failed, seconds, firstError, loopDelayMaxMs };
      }
      case 'close':
        return { cmd: 'close', closed: closeAll() };
      case 'relay':
        return { cmd: 'relay', ...(await relay(command)) };
    }
  };
  run().then(reply, (error: unknown) => reply({ cmd: 'error', message: String(error) }));
});
