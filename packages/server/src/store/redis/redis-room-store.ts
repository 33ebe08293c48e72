import type { Redis } from 'ioredis';
import {
  draftOf,
  type InstanceHooks,
  keptUntil,
  type RoomDraft,
  type RoomEvent,
  type RoomState,
  type RoomStore,
  roomState,
  type SignalEvent,
} from '../../account/room-store.ts';
import type { RedisLink } from './redis-link.ts';

export interface RedisRoomStoreOptions {
  /**
   * How long an instance that stops refreshing its liveness key counts as alive (default
   * 3,000 ms). Its members are taken out of their rooms by the others after that; it refreshes
   * every third of it. A killed instance, whose connections to Redis closed, is found sooner:
   * at the second refresh that sees it without its subscriber connection.
   */
  instanceTtlMs?: number;
}

/**
 * The compare-and-swap of a room. A room is a hash: v its version, s the draft as JSON, i the
 * instances of its members (comma-separated), so the per-instance room index follows every
 * change. The version comes from one counter for the whole store, never below Redis's clock in
 * microseconds: after a restart that lost the data, versions still grow past every version
 * instances saw before it (they ignore older ones).
 *
 * Every instance named is listed in `instances`, so one that dies is found even if it was
 * only ever named by another (a room put back after a restart that lost the data).
 *
 * A room with no members that keeps device keys' ids expires with its last kept key.
 *
 * KEYS room, version counter, instances. ARGV expected version ('' for none), draft JSON ('' to
 * delete), channel, instances of the members, index key prefix, room name, expiry in ms since
 * the epoch ('' for none).
 */
const SWAP = `
local current = redis.call('HGET', KEYS[1], 'v')
if (current or '') ~= ARGV[1] then return 'conflict' end
local version = redis.call('INCR', KEYS[2])
local time = redis.call('TIME')
local floor = tonumber(time[1]) * 1000000 + tonumber(time[2])
if version < floor then
  version = floor
  redis.call('SET', KEYS[2], string.format('%d', floor))
end
local v = string.format('%d', version)
local before = redis.call('HGET', KEYS[1], 'i') or ''
local after = {}
for instance in string.gmatch(ARGV[4], '[^,]+') do
  after[instance] = true
  redis.call('SADD', ARGV[5] .. instance, ARGV[6])
  redis.call('SADD', KEYS[3], instance)
end
for instance in string.gmatch(before, '[^,]+') do
  if not after[instance] then redis.call('SREM', ARGV[5] .. instance, ARGV[6]) end
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'v', v, 's', ARGV[2], 'i', ARGV[4])
  if ARGV[7] == '' then
    redis.call('PERSIST', KEYS[1])
  else
    redis.call('PEXPIREAT', KEYS[1], ARGV[7])
  end
end
redis.call('PUBLISH', ARGV[3], 'S' .. v .. '|' .. ARGV[2])
return v
`;

type SwapCommand = { roomSwap(...args: (string | number)[]): Promise<string> };

/**
 * Rooms in Redis, shared by every instance: reads are plain, swaps one Lua script (so two
 * instances can never both change the same version: one broadcaster per epoch), and each
 * room's state events travel on the room's pub/sub channel to every instance with devices in
 * it. A signal goes to the one instance holding its receiver's socket, on that instance's own
 * channel (the one its liveness is seen by), so no other instance reads it. Instances keep a
 * liveness key with a TTL; when one's expires, the others take its members out of their rooms
 * (`InstanceHooks.instanceGone`).
 */
export class RedisRoomStore implements RoomStore {
  readonly kind = 'redis';
  readonly #link: RedisLink;
  readonly #instanceTtlMs: number;
  /** This instance's room listeners, for the signals routed to it. */
  readonly #listeners = new Map<string, Set<(event: RoomEvent) => void>>();

  constructor(link: RedisLink, options: RedisRoomStoreOptions = {}) {
    this.#link = link;
    this.#instanceTtlMs = options.instanceTtlMs ?? 3_000;
    link.commands.defineCommand('roomSwap', { numberOfKeys: 3, lua: SWAP });
  }

  get link(): RedisLink {
    return this.#link;
  }

  async read(room: string): Promise<RoomState | undefined> {
    await this.#link.subscribed(this.#channel(room));
    const [version, draft] = await this.#link.run((redis) =>
      redis.hmget(this.#roomKey(room), 'v', 's'),
    );
    if (!version || !draft) return undefined;
    return roomState(JSON.parse(draft) as RoomDraft, Number(version));
  }

  async swap(
    room: string,
    expectedVersion: number | null,
    next: RoomDraft | null,
  ): Promise<RoomState | null | 'conflict'> {
    const channel = this.#channel(room);
    await this.#link.subscribed(channel);
    const json = next === null ? '' : JSON.stringify(draftOf(next));
    const instances = next === null ? [] : [...new Set(next.members.map((m) => m.instance))];
    const until = next === null ? undefined : keptUntil(next);
    const result = await this.#link.run((redis: Redis) =>
      (redis as unknown as SwapCommand).roomSwap(
        this.#roomKey(room),
        this.#link.key('room-version'),
        this.#link.key('instances'),
        expectedVersion === null ? '' : String(expectedVersion),
        json,
        channel,
        instances.join(','),
        this.#link.key('instance-rooms:'),
        room,
        until === undefined ? '' : String(Math.ceil(until)),
      ),
    );
    if (result === 'conflict') return 'conflict';
    return next === null ? null : roomState(next, Number(result));
  }

  async publish(room: string, signal: SignalEvent, instance?: string): Promise<void> {
    const { from, to, epoch, data } = signal;
    // Lines, not JSON: the data is JSON text already, and is passed on as it came.
    if (instance !== undefined) {
      const message = `R${room}\n${from}\n${to}\n${epoch}\n${data}`;
      await this.#link.run((redis) =>
        redis.publish(instanceChannel(this.#link, instance), message),
      );
      return;
    }
    const channel = this.#channel(room);
    await this.#link.subscribed(channel);
    await this.#link.run((redis) => redis.publish(channel, `G${from}\n${to}\n${epoch}\n${data}`));
  }

  subscribe(room: string, listener: (event: RoomEvent) => void): () => void {
    let listeners = this.#listeners.get(room);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(room, listeners);
    }
    listeners.add(listener);
    const { off } = this.#link.subscribe(this.#channel(room), (message) => {
      const event = eventOf(message.toString());
      if (event) listener(event);
    });
    return () => {
      off();
      const left = this.#listeners.get(room);
      left?.delete(listener);
      if (left?.size === 0) this.#listeners.delete(room);
    };
  }

  register(hooks: InstanceHooks): () => void {
    return new InstanceLiveness(this.#link, hooks, this.#instanceTtlMs, (message) =>
      this.#routed(message.toString()),
    ).start();
  }

  /** `R<room>\n<from>\n<to>\n<epoch>\n<data>`, sent to this instance alone. */
  #routed(message: string): void {
    if (!message.startsWith('R')) return;
    const roomEnd = message.indexOf('\n');
    if (roomEnd < 0) return;
    const event = eventOf(`G${message.slice(roomEnd + 1)}`);
    const listeners = this.#listeners.get(message.slice(1, roomEnd));
    if (!event || !listeners) return;
    for (const listener of [...listeners]) listener(event);
  }

  /** Resolves once every event published so far has reached this instance's listeners. */
  settle(): Promise<void> {
    return this.#link.settle();
  }

  /** Nothing of its own to close: the link is closed by whoever made it. */
  async close(): Promise<void> {}

  #roomKey(room: string): string {
    return this.#link.key(`room:${room}`);
  }

  #channel(room: string): string {
    return this.#link.key(`room-events:${room}`);
  }
}

/**
 * One instance's liveness in Redis: `alive:<id>` with a TTL, refreshed every third of it, the
 * instance listed in `instances`, and a subscription to its own presence channel. At every
 * refresh it also looks for listed instances whose key expired, or who had no subscriber
 * connection at two refreshes in a row (a killed process), and hands their rooms (from `instance-rooms:<id>`, kept by the swap script) to
 * the room logic, then forgets them. Several survivors may do so at once: the room changes are
 * compare-and-swaps, so only one of them applies each.
 */
class InstanceLiveness {
  readonly #link: RedisLink;
  readonly #hooks: InstanceHooks;
  readonly #ttlMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #beating = false;
  #recovering: Promise<void> | undefined;
  #reapAfter = 0;
  /** Beats in a row at which an instance had no subscriber connection. */
  readonly #strikes = new Map<string, number>();

  readonly #routed: (message: Buffer) => void;

  constructor(
    link: RedisLink,
    hooks: InstanceHooks,
    ttlMs: number,
    routed: (message: Buffer) => void,
  ) {
    this.#link = link;
    this.#hooks = hooks;
    this.#ttlMs = ttlMs;
    this.#routed = routed;
  }

  start(): () => void {
    this.#timer = setInterval(() => void this.#beat(), Math.max(10, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
    this.#link.on('restored', this.#restored);
    // Nor at start: Redis may have just restarted, with the others not back yet.
    this.#reapAfter = performance.now() + this.#ttlMs;
    // Its subscriber count tells the others this instance is connected; what comes on it are
    // the signals routed here.
    const presence = this.#link.subscribe(
      instanceChannel(this.#link, this.#hooks.instance),
      this.#routed,
    );
    void this.#beat();
    return () => {
      clearInterval(this.#timer);
      presence.off();
      this.#link.off('restored', this.#restored);
      const { instance } = this.#hooks;
      // A clean stop: the others need not wait for the TTL (its devices left their rooms).
      void this.#link
        .run((redis) =>
          redis
            .multi()
            .del(this.#aliveKey(instance))
            .srem(this.#link.key('instances'), instance)
            .exec(),
        )
        .catch(() => {});
    };
  }

  async #beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      await this.#refresh();
      await this.#reapDead();
    } catch {
      // Redis unreachable: the link's state says so; the next beat tries again.
    } finally {
      this.#beating = false;
    }
  }

  async #refresh(): Promise<void> {
    const { instance } = this.#hooks;
    await this.#link.run((redis) =>
      redis
        .multi()
        .set(this.#aliveKey(instance), '1', 'PX', this.#ttlMs)
        .sadd(this.#link.key('instances'), instance)
        .exec(),
    );
  }

  async #reapDead(): Promise<void> {
    // Just back from an outage, the others may not have refreshed their keys yet.
    if (performance.now() < this.#reapAfter) return;
    const instances = this.#link.key('instances');
    const listed = await this.#link.run((redis) => redis.smembers(instances));
    const others = listed.filter((instance) => instance !== this.#hooks.instance);
    for (const instance of this.#strikes.keys()) {
      if (!others.includes(instance)) this.#strikes.delete(instance);
    }
    if (others.length === 0) return;
    const looks = await this.#link.run(async (redis) => {
      const pipeline = redis.pipeline();
      for (const instance of others) {
        pipeline.exists(this.#aliveKey(instance));
        pipeline.pubsub('NUMSUB', instanceChannel(this.#link, instance));
      }
      return (await pipeline.exec()) ?? [];
    });
    for (const [n, instance] of others.entries()) {
      const [keyError, exists] = looks[n * 2] ?? [null, 1];
      const [listenError, numsub] = looks[n * 2 + 1] ?? [null, []];
      // A failed look counts as alive: taking live devices out is worse than waiting a beat.
      const keyAlive = keyError !== null || exists === 1;
      const listening = listenError !== null || Number((numsub as unknown[])[1] ?? 1) > 0;
      // A killed process's connections are closed by its kernel at once, so Redis drops its
      // subscription: found at two beats in a row, that is death well before the key expires
      // (one beat could be a reconnect).
      const strikes = listening ? 0 : (this.#strikes.get(instance) ?? 0) + 1;
      this.#strikes.set(instance, strikes);
      if (keyAlive && strikes < 2) continue;
      this.#strikes.delete(instance);
      const index = this.#link.key(`instance-rooms:${instance}`);
      const rooms = await this.#link.run((redis) => redis.smembers(index));
      await this.#hooks.instanceGone(instance, rooms);
      await this.#link.run((redis) => redis.multi().del(index).srem(instances, instance).exec());
    }
  }

  /** Back after an outage: alive first (so nobody reaps us), then our devices back in. */
  readonly #restored = (): void => {
    this.#reapAfter = performance.now() + this.#ttlMs;
    this.#recovering ??= (async () => {
      try {
        await this.#refresh();
        const index = this.#link.key(`instance-rooms:${this.#hooks.instance}`);
        const rooms = await this.#link.run((redis) => redis.smembers(index));
        await this.#hooks.reconnected(rooms);
      } catch {
        // Lost again meanwhile: the next `restored` tries again.
      } finally {
        this.#recovering = undefined;
      }
    })();
  };

  #aliveKey(instance: string): string {
    return this.#link.key(`alive:${instance}`);
  }
}

/** An instance's own channel: its subscriber count says it is connected; signals for it. */
function instanceChannel(link: RedisLink, instance: string): string {
  return link.key(`instance-events:${instance}`);
}

/**
 * `S<version>|<draft JSON, empty when deleted>`, or `G<from>\n<to>\n<epoch>\n<data>` (ids
 * and epochs hold no line break).
 */
function eventOf(message: string): RoomEvent | undefined {
  if (message.startsWith('G')) {
    const toAt = message.indexOf('\n') + 1;
    const epochAt = message.indexOf('\n', toAt) + 1;
    const dataAt = message.indexOf('\n', epochAt) + 1;
    if (toAt === 0 || epochAt === 0 || dataAt === 0) return undefined;
    return {
      type: 'signal',
      from: message.slice(1, toAt - 1),
      to: message.slice(toAt, epochAt - 1),
      epoch: Number(message.slice(epochAt, dataAt - 1)),
      data: message.slice(dataAt),
    };
  }
  if (!message.startsWith('S')) return undefined;
  const bar = message.indexOf('|');
  const version = Number(message.slice(1, bar));
  const json = message.slice(bar + 1);
  if (json === '') return { type: 'state', state: null };
  return { type: 'state', state: roomState(JSON.parse(json) as RoomDraft, version) };
}
