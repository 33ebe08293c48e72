import { SignJWT } from 'jose';
import { type ServeProcess, startServeProcess } from './serve-process.ts';

/** The shared secret every test instance verifies account tokens with (HS256). */
export const INSTANCE_JWT_SECRET = 'a test secret shared by every instance, 32+ bytes long';

/** One `webrtc-connect serve` process. */
export type ServerInstance = ServeProcess;

/**
 * `webrtc-connect serve` on a free loopback port, in its own process, on the Redis at
 * `redisUrl` (null: in memory, a single instance), verifying tokens signed with INSTANCE_JWT_SECRET; resolves once it answers.
 */
export function startInstance(
  redisUrl: string | null,
  args: string[] = [],
): Promise<ServerInstance> {
  return startServeProcess(['--log-level', 'warn', ...args], {
    ...withoutRedis(process.env),
    JWT_SECRET: INSTANCE_JWT_SECRET,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  });
}

/** An account token for `user`, valid for an hour (or `lifetime`), accepted by every test instance. */
export function instanceToken(user: string, lifetime: string | number = '1h'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime(lifetime)
    .sign(new TextEncoder().encode(INSTANCE_JWT_SECRET));
}

function withoutRedis(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REDIS_URL: _, ...rest } = env;
  return rest;
}
