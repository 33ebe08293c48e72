import { MAX_RESUME_BLOBS } from '@webrtc-connect/protocol';
import {
  type CreateResumeBoxResult,
  type NumberedResumeSignal,
  type PostResumeSignalResult,
  RESUME_STORE_DEFAULTS,
  type ResumeBoxStore,
  type ResumeSide,
  type SignalsAfterResult,
  type TakeResumeSignalsResult,
} from '../../mailbox/resume-box-store.ts';
import type { RedisLink } from './redis-link.ts';
import { defineScripts, type ScriptRunner } from './redis-scripts.ts';
import { RedisWakeUps } from './redis-wake-ups.ts';

/**
 * Keys (prefix omitted):
 *
 *   resume:<id>        "<expiresAt>", expires then
 *   resume:<id>:a|b    list of the sealed signals for that side not yet acknowledged, oldest
 *                      first; expires with the box
 *   resume:<id>:a|b:last  the number the side's last signal got (from 1); the list's signals
 *                      are numbered last - length + 1 up to last. Expires with the box
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

/**
 * The start of a script on a box (KEYS box, gone; ARGV[1] now): answers `expired` or `missing`,
 * each as `answer` spells it, unless the box is live; then `e` holds its expiry.
 */
const liveBox = (answer: (status: 'expired' | 'missing') => string) => `
local e = redis.call('GET', KEYS[1])
if not e then
  if redis.call('EXISTS', KEYS[2]) == 1 then return ${answer('expired')} end
  return ${answer('missing')}
end
if tonumber(e) <= tonumber(ARGV[1]) then return ${answer('expired')} end
`;

/** KEYS box, gone, side list, side last. ARGV now, sealed, max blobs, channel, event. */
const POST = `${liveBox((status) => `'${status}'`)}
if redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[3]) then return 'side-full' end
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('PEXPIREAT', KEYS[3], e)
redis.call('INCR', KEYS[4])
redis.call('PEXPIREAT', KEYS[4], e)
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 'stored'
`;

/** Numbers as Redis answers them: Lua's own tostring would write 1e+15 for large ones. */
const numbered = `
local last = tonumber(redis.call('GET', KEYS[4]) or '0')
local function digits(n) return string.format('%d', n) end
`;

/** KEYS box, gone, side list, side last. ARGV now, after. Answers the first number, then blobs. */
const AFTER = `${liveBox((status) => `{'${status}'}`)}${numbered}
local after = tonumber(ARGV[2])
if after > last then return {'ahead', digits(last)} end
local first = last - redis.call('LLEN', KEYS[3]) + 1
if after >= first then redis.call('LTRIM', KEYS[3], after - first + 1, -1) end
return {'live', e, digits(math.max(first, after + 1)), unpack(redis.call('LRANGE', KEYS[3], 0, -1))}
`;

/** KEYS box, gone, side list, side last. ARGV now. Answers the first number, then blobs. */
const TAKE = `${liveBox((status) => `{'${status}'}`)}${numbered}
local blobs = redis.call('LRANGE', KEYS[3], 0, -1)
redis.call('DEL', KEYS[3])
return {'live', e, digits(last - #blobs + 1), unpack(blobs)}
`;

/** KEYS boxes. ARGV now. */
const COUNT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])
`;

const SCRIPTS = {
  resumeCreate: [3, CREATE],
  resumePost: [4, POST],
  resumeAfter: [4, AFTER],
  resumeTake: [4, TAKE],
  resumeCount: [1, COUNT],
} as const;

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
  readonly #call: ScriptRunner<typeof SCRIPTS>;
  readonly #wakeUps: RedisWakeUps;
  readonly #maxBoxes: number;
  readonly #tombstoneTtlMs: number;
  readonly #now: () => number;

  private constructor(link: RedisLink, options: RedisResumeBoxStoreOptions) {
    this.#link = link;
    this.#maxBoxes = options.maxBoxes ?? RESUME_STORE_DEFAULTS.maxBoxes;
    this.#tombstoneTtlMs = options.tombstoneTtlMs ?? RESUME_STORE_DEFAULTS.tombstoneTtlMs;
    this.#now = options.clock ?? Date.now;
    this.#call = defineScripts(link, SCRIPTS);
    this.#wakeUps = new RedisWakeUps(link, 'resume-events');
  }

  static async create(
    link: RedisLink,
    options: RedisResumeBoxStoreOptions = {},
  ): Promise<RedisResumeBoxStore> {
    const store = new RedisResumeBoxStore(link, options);
    await store.#wakeUps.subscribed();
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
      ...this.#sideKeys(id, to),
      this.#now(),
      Buffer.from(sealed),
      MAX_RESUME_BLOBS,
      this.#wakeUps.channel,
      `${id}:${to}`,
    ])) as PostResumeSignalResult;
  }

  async signalsAfter(id: string, to: ResumeSide, after: number): Promise<SignalsAfterResult> {
    const result = (await this.#call('resumeAfterBuffer', [
      ...this.#sideKeys(id, to),
      this.#now(),
      after,
    ])) as Buffer[];
    if (result[0]?.toString() === 'ahead')
      return { status: 'ahead', last: Number(String(result[1])) };
    return signalsOf(result);
  }

  async takeSignals(id: string, to: ResumeSide): Promise<TakeResumeSignalsResult> {
    return signalsOf(
      (await this.#call('resumeTakeBuffer', [...this.#sideKeys(id, to), this.#now()])) as Buffer[],
    );
  }

  onSignal(id: string, to: ResumeSide, listener: () => void): () => void {
    return this.#wakeUps.on(`${id}:${to}`, listener);
  }

  async count(): Promise<number> {
    return (await this.#call('resumeCount', [
      this.#link.key('resume-boxes'),
      this.#now(),
    ])) as number;
  }

  /** Stops listening; the link is closed by whoever made it. */
  async close(): Promise<void> {
    this.#wakeUps.close();
  }

  #keys(id: string): [string, string] {
    return [this.#link.key(`resume:${id}`), this.#link.key(`resume-gone:${id}`)];
  }

  /** The box's keys, then the side's list and its last number. */
  #sideKeys(id: string, to: ResumeSide): [string, string, string, string] {
    return [
      ...this.#keys(id),
      this.#link.key(`resume:${id}:${to}`),
      this.#link.key(`resume:${id}:${to}:last`),
    ];
  }
}

/** A script's answer: `live`, the expiry, the first signal's number, the blobs; or a status. */
function signalsOf(result: Buffer[]): TakeResumeSignalsResult {
  const status = result[0]?.toString();
  if (status !== 'live') return { status: status === 'expired' ? 'expired' : 'missing' };
  const [, expiresAt, first, ...blobs] = result;
  const firstSeq = Number(String(first));
  return {
    status: 'live',
    expiresAt: Number(String(expiresAt)),
    signals: blobs.map(
      (blob, index): NumberedResumeSignal => ({
        seq: firstSeq + index,
        sealed: new Uint8Array(blob),
      }),
    ),
  };
}
