/**
 * An account device on node-datachannel in a process of its own, so that a test can freeze it
 * (SIGSTOP) and thaw it (SIGCONT) the way a laptop lid or a debugger does, and see whether the
 * process survives. `startDeviceProcess()` spawns it; run as a script, it is the device.
 *
 * The device reports on stdout, one JSON object a line, and keeps sending: a short text every
 * 20 ms and 64 KiB of bytes every 100 ms, so that its channels have frames queued and in flight
 * whenever it is frozen. A line "leave" on stdin makes it leave and exit with code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type DeviceReport =
  | { event: 'joined'; id: string; role: string }
  | { event: 'role'; role: string }
  | { event: 'state'; state: string }
  | { event: 'rejoined'; id: string }
  | { event: 'message'; from: string }
  | { event: 'rejected'; code: string };

export interface DeviceProcess {
  readonly child: ChildProcess;
  readonly reports: DeviceReport[];
  /** Resolves with the first report (from now on or before) that `match` accepts. */
  next(match: (report: DeviceReport) => boolean, timeoutMs?: number): Promise<DeviceReport>;
  /** What it wrote to stderr (an uncaught error's stack, if it crashed). */
  readonly stderr: () => string;
  /** Resolves with its exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Asks it to leave the room and exit. */
  leave(): void;
}

const script = fileURLToPath(import.meta.url);

export function startDeviceProcess(server: string, token: string): DeviceProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@webrtc-connect/source', script, server, token],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const reports: DeviceReport[] = [];
  const waiters = new Set<() => void>();
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    reports.push(JSON.parse(line) as DeviceReport);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    reports,
    stderr: () => errors,
    exited,
    next: (match, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = reports.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such report in ${timeoutMs} ms; stderr: ${errors.slice(-2000)}`));
        }, timeoutMs);
        waiters.add(check);
        exited.then(() => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`the device process exited; stderr: ${errors.slice(-2000)}`));
        });
        check();
      }),
    leave: () => {
      child.stdin?.write('leave\n');
    },
  };
}

async function runDevice(server: string, token: string): Promise<void> {
  const [{ RTCPeerConnection }, { joinAccount }, { WebSocket }] = await Promise.all([
    import('node-datachannel/polyfill'),
    import('webrtc-connect/account'),
    import('ws'),
  ]);
  const report = (value: DeviceReport) => process.stdout.write(`${JSON.stringify(value)}\n`);
  const session = await joinAccount({
    server,
    token,
    RTCPeerConnection: RTCPeerConnection as unknown as typeof globalThis.RTCPeerConnection,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  report({ event: 'joined', id: session.id, role: session.role });
  session.on('role', (role) => report({ event: 'role', role }));
  session.on('state', (state) => report({ event: 'state', state }));
  session.on('rejoined', ({ id }) => report({ event: 'rejoined', id }));
  session.on('message', ({ from }) => report({ event: 'message', from }));
  const rejected = (error: unknown) =>
    report({ event: 'rejected', code: String((error as { code?: unknown }).code) });
  let count = 0;
  const texts = setInterval(() => session.send(`tick ${count++}`).catch(rejected), 20);
  const bytes = setInterval(() => session.send(new Uint8Array(64 * 1024)).catch(rejected), 100);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'leave') return;
    clearInterval(texts);
    clearInterval(bytes);
    session.leave();
    // node-datachannel keeps native threads: exit rather than wait for them.
    setTimeout(() => process.exit(0), 200);
  });
}

if (process.argv[1] === script) {
  const [server, token] = process.argv.slice(2);
  if (!server || !token) throw new Error('usage: device-process.ts <server> <token>');
  await runDevice(server, token);
}
