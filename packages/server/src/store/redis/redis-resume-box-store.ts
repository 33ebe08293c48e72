import { EventEmitter } from 'node:events';
import { MAX_RESUME_BLOBS } from '@webrtc-connect/protocol';
import type { Redis } from 'ioredis';
import {
  type CreateResumeBoxResult,
  type PostResumeSignalResult,
  RESUME_STORE_DEFAULTS,
  type ResumeBoxStore,
  type ResumeSide,
  type TakeResumeSignalsResult,
} from '../../mailbox/resume-box-store.ts';
import type { RedisLink } from './redis-link.ts';

/**
 * Keys (prefix omitted):
 *
 *   resume:<id>        "<expiresAt>", expires then
 *   resume:<id>:a|b    list of sealed signals for that side, expires with the box
 *   resume-gone:<id>   "1", set with the box, lives until expiresAt + tombstone TTL: an expired
 *                      id answers `expired`, and is never made again
 *   resume-boxes       sorted set of live ids by expiry, for the count and its limit
 */

/** KEYS box, gone, boxes. ARGV id, expiresAt, tombstone ms, now, max. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 'id-taken' end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[4])
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then return 'full' end
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[2])
redis.call('SET', KEYS[2], '1', 'PXAT', string.format('%d', tonumber(ARGV[2]) + tonumber(ARGV[3])))
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 'created'
`;

/** KEYS box, gone, side list. ARGV now, sealed, max blobs, channel, event. */
const POST = `
local e = redis.call('GET', KEYS[1])
if not e then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 'expired' end
  return 'missing'
end
if tonumber(e) <= tonumber(ARGV[1]) then return 'expired' end
if redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[3]) then return 'side-full' end
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('PEXPIREAT', KEYS[3], e)
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 'stored'
`;

/** KEYS box, gone, side list. ARGV now. */
const TAKE = `
local e = redis.call('GET', KEYS[1])
if not e then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {'expired'} end
  return {'missing'}
end
if tonumber(e) <= tonumber(ARGV[1]) then return {'expired'} end
local blobs = redis.call('LRANGE', KEYS[3], 0, -1)
redis.call('DEL', KEYS[3])
return {'live', e, unpack(blobs)}
`;

/** KEYS boxes. ARGV now. */
const COUNT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])
`;

const SCRIPTS = {
  resumeCreate: [3, CREATE],
  resumePost: [3, POST],
  resumeTake: [3, TAKE],
  resumeCount: [1, COUNT],
} as const;

type Arg = string | number | Buffer;
type ScriptName = keyof typeof SCRIPTS;
type Scripts = Record<ScriptName | `${ScriptName}Buffer`, (...args: Arg[]) => Promise<unknown>>;

export interface RedisResumeBoxStoreOptions {
  /** Live boxes held at most, all instances together (default 10,000). */
  maxBoxes?: number;
  /** How long an expired id is remembered as such (default 1 hour). */
  tombstoneTtlMs?: number;
  clock?: () => number;
}

/** Resume boxes in Redis, shared by every instance; wake-ups on one pub/sub channel. */
export class RedisResumeBoxStore implements ResumeBoxStore {
  readonly kind = 'redis';
  readonly #link: RedisLink;
  readonly #events = new EventEmitter();
  readonly #channel: string;
  readonly #off: () => void;
  readonly #maxBoxes: number;
  readonly #tombstoneTtlMs: number;
  readonly #now: () => number;

  private constructor(link: RedisLink, options: RedisResumeBoxStoreOptions) {
    this.#link = link;
    this.#maxBoxes = options.maxBoxes ?? RESUME_STORE_DEFAULTS.maxBoxes;
    this.#tombstoneTtlMs = options.tombstoneTtlMs ?? RESUME_STORE_DEFAULTS.tombstoneTtlMs;
    this.#now = options.clock ?? Date.now;
    this.#events.setMaxListeners(0);
    for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS)) {
      link.commands.defineCommand(name, { numberOfKeys, lua });
    }
    this.#channel = link.key('resume-events');
    this.#off = link.subscribe(this.#channel, (message) => {
      this.#events.emit(message.toString());
    }).off;
    // Wake-ups published while the link was down are lost: every waiter looks again.
    link.on('restored', this.#wakeAll);
  }

  static async create(
    link: RedisLink,
    options: RedisResumeBoxStoreOptions = {},
  ): Promise<RedisResumeBoxStore> {
    const store = new RedisResumeBoxStore(link, options);
    await link.subscribed(store.#channel);
    return store;
  }

  async createBox(id: string, expiresAt: number): Promise<CreateResumeBoxResult> {
    return (await this.#call('resumeCreate', [
      ...this.#keys(id),
      this.#link.key('resume-boxes'),
      id,
      expiresAt,
      this.#tombstoneTtlMs,
      this.#now(),
      this.#maxBoxes,
    ])) as CreateResumeBoxResult;
  }

  async postSignal(
    id: string,
    to: ResumeSide,
    sealed: Uint8Array,
  ): Promise<PostResumeSignalResult> {
    return (await this.#call('resumePost', [
      ...this.#keys(id),
      this.#link.key(`resume:${id}:${to}`),
      this.#now(),
      Buffer.from(sealed),
      MAX_RESUME_BLOBS,
      this.#channel,
      `${id}:${to}`,
    ])) as PostResumeSignalResult;
  }

  async takeSignals(id: string, to: ResumeSide): Promise<TakeResumeSignalsResult> {
    const result = (await this.#call('resumeTakeBuffer', [
      ...this.#keys(id),
      this.#link.key(`resume:${id}:${to}`),
      this.#now(),
    ])) as Buffer[];
    const status = result[0]?.toString();
    if (status !== 'live') return { status: status === 'expired' ? 'expired' : 'missing' };
    const [, expiresAt, ...blobs] = result;
    return {
      status: 'live',
      expiresAt: Number(String(expiresAt)),
      sealed: blobs.map((blob) => new Uint8Array(blob)),
    };
  }

  onSignal(id: string, to: ResumeSide, listener: () => void): () => void {
    const event = `${id}:${to}`;
    this.#events.on(event, listener);
    return () => this.#events.off(event, listener);
  }

  async count(): Promise<number> {
    return (await this.#call('resumeCount', [
      this.#link.key('resume-boxes'),
      this.#now(),
    ])) as number;
  }

  /** Stops listening; the link is closed by whoever made it. */
  async close(): Promise<void> {
    this.#off();
    this.#link.off('restored', this.#wakeAll);
    this.#events.removeAllListeners();
  }

  #call(name: keyof Scripts, args: Arg[]): Promise<unknown> {
    return this.#link.run((redis: Redis) => (redis as unknown as Scripts)[name](...args));
  }

  #keys(id: string): [string, string] {
    return [this.#link.key(`resume:${id}`), this.#link.key(`resume-gone:${id}`)];
  }

  readonly #wakeAll = (): void => {
    for (const event of this.#events.eventNames()) this.#events.emit(event);
  };
}
