import type { Redis } from 'ioredis';
import type { RedisLink } from './redis-link.ts';

export type ScriptArg = string | number | Buffer;

/** Lua scripts by command name, each with how many of its arguments are keys. */
export type ScriptTable = Readonly<Record<string, readonly [numberOfKeys: number, lua: string]>>;

/** Runs one script by name; `<name>Buffer` answers bulk strings as Buffers (sealed bytes). */
export type ScriptRunner<T extends ScriptTable> = (
  name: ScriptCommand<T>,
  args: ScriptArg[],
) => Promise<unknown>;

type ScriptCommand<T extends ScriptTable> = (keyof T & string) | `${keyof T & string}Buffer`;

/**
 * Defines a store's scripts as commands on `link` (ioredis sends each by its SHA, loading it
 * once), and returns how to run them: through the link, so a failure of Redis is
 * ERR_STORE_UNAVAILABLE like every other store call.
 */
export function defineScripts<T extends ScriptTable>(link: RedisLink, scripts: T): ScriptRunner<T> {
  for (const [name, [numberOfKeys, lua]] of Object.entries(scripts)) {
    link.commands.defineCommand(name, { numberOfKeys, lua });
  }
  type Commands = Record<ScriptCommand<T>, (...args: ScriptArg[]) => Promise<unknown>>;
  return (name, args) => link.run((redis: Redis) => (redis as unknown as Commands)[name](...args));
}
