/**
 * A server in its own process, for tests and benchmarks: a free loopback port, a child process,
 * and a wait until it answers. Load and server then never share an event loop, and a kill is a
 * real process death.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** One `webrtc-connect serve` process. */
export interface ServeProcess {
  url: string;
  /** SIGKILL: the process dies at once, closing nothing (its sockets are cut by the kernel). */
  kill(): Promise<void>;
  /** SIGTERM: the graceful close. */
  stop(): Promise<void>;
}

const LOOPBACK_LOAD = ['--max-connections-per-address', '1000000'];
const bin = fileURLToPath(new URL('../../packages/server/bin/webrtc-connect.js', import.meta.url));

/**
 * `webrtc-connect serve` on a free loopback port with `args` added (and `env` as its whole
 * environment, when given), once its health route answers 200. `installed` runs another
 * install's `webrtc-connect` (default: this workspace's), with another `node` if given.
 */
export async function startServeProcess(
  args: string[],
  env?: NodeJS.ProcessEnv,
  installed: { command?: string; node?: string } = {},
): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(
    installed.node ?? process.execPath,
    // Every test client connects from this one loopback address: no per-address cap (the
    // caller's args come later and win).
    [
      installed.command ?? bin,
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      ...LOOPBACK_LOAD,
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], ...(env ? { env } : {}) },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilAnswering(`${url}/api/health`, child, (response) => response.ok);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Until `url` answers in a way `accepted` takes (by default any HTTP answer), 30 s at most:
 * the CLI compiles TypeScript first, a second or two.
 */
export async function untilAnswering(
  url: string,
  child: ChildProcess,
  accepted: (response: Response) => boolean = () => true,
): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const answered = await fetch(url).then(accepted, () => false);
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not answer in 30 s');
}
