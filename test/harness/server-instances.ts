import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';

/** The shared secret every test instance verifies account tokens with (HS256). */
export const INSTANCE_JWT_SECRET = 'a test secret shared by every instance, 32+ bytes long';

/** One `webrtc-connect serve` process. */
export interface ServerInstance {
  url: string;
  /** SIGKILL: the process dies at once, closing nothing (its sockets are cut by the kernel). */
  kill(): Promise<void>;
  /** SIGTERM: the graceful close. */
  stop(): Promise<void>;
}

/**
 * `webrtc-connect serve` on a free loopback port, in its own process, on the Redis at
 * `redisUrl` (null: in memory, a single instance), verifying tokens signed with INSTANCE_JWT_SECRET; resolves once it answers.
 */
export async function startInstance(
  redisUrl: string | null,
  args: string[] = [],
): Promise<ServerInstance> {
  const port = await freePort();
  const bin = fileURLToPath(
    new URL('../../packages/server/bin/webrtc-connect.js', import.meta.url),
  );
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', String(port), '--log-level', 'warn', ...args],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...withoutRedis(process.env),
        JWT_SECRET: INSTANCE_JWT_SECRET,
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilHealthy(url, child);
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

/** An account token for `user`, valid for an hour, accepted by every test instance. */
export function instanceToken(user: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(INSTANCE_JWT_SECRET));
}

/** Until `/api/health` answers 200 (30 s at most: the CLI compiles TypeScript first). */
async function untilHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const healthy = await fetch(`${url}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not answer in 30 s');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function withoutRedis(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REDIS_URL: _, ...rest } = env;
  return rest;
}
