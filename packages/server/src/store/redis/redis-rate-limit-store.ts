import type { RedisLink } from './redis-link.ts';

/** One counter per key for one window: started by the first hit, ended by Redis expiry. */
const HIT = `
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`;

const READ = `
local current = redis.call('GET', KEYS[1])
if not current then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {tonumber(current), ttl}
`;

type Counted = { current: number; ttl: number };
type Done = (error: Error | null, result?: Counted) => void;
/** What @fastify/rate-limit asks of a store (its `store` option is a class of these). */
export interface RateLimitStore {
  incr(key: string, done: Done, windowMs: number): void;
  read(key: string, done: Done): void;
  child(options: object): RateLimitStore;
}
export type RateLimitStoreClass = new (options?: unknown, prefix?: string) => RateLimitStore;

type RateLimitCommands = {
  rateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
  rateLimitRead(key: string): Promise<[number, number]>;
};

/**
 * A store for @fastify/rate-limit on this instance's Redis link, so every instance counts one
 * address against one budget (the request limit and the reply-code miss limit alike): the
 * same answers as one instance, whichever instance each request reaches. Its own link rather
 * than the plugin's Redis store, so that a lost Redis gives ERR_STORE_UNAVAILABLE (503 with
 * `retry-after`), as every other store call does, not a driver's error.
 */
export function sharedRateLimitStore(link: RedisLink): RateLimitStoreClass {
  link.commands.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT });
  link.commands.defineCommand('rateLimitRead', { numberOfKeys: 1, lua: READ });
  const commands = link.commands as unknown as RateLimitCommands;
  const answer =
    (done: Done) =>
    ([current, ttl]: [number, number]) =>
      done(null, { current, ttl });

  return class SharedRateLimitStore implements RateLimitStore {
    readonly #prefix: string;

    constructor(_options?: unknown, prefix = link.key('rate:')) {
      this.#prefix = prefix;
    }

    incr(key: string, done: Done, windowMs: number): void {
      link
        .run(() => commands.rateLimitHit(this.#prefix + key, windowMs))
        .then(answer(done), (error: Error) => done(error));
    }

    read(key: string, done: Done): void {
      link
        .run(() => commands.rateLimitRead(this.#prefix + key))
        .then(answer(done), (error: Error) => done(error));
    }

    /** A limit of its own (a route's, or one made with `createRateLimit(options)`). */
    child(options: object): SharedRateLimitStore {
      const { routeInfo } = options as { routeInfo?: { method?: string; url?: string } };
      const { method = '', url = '' } = routeInfo ?? {};
      return new SharedRateLimitStore(undefined, `${this.#prefix}${method}${url}:`);
    }
  };
}
