import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { ServerError } from '../../errors.ts';
import type { LinkState } from '../shared-link.ts';

export type { LinkState };

export interface RedisLinkOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** Put before every key and channel, so several deployments can share one Redis. */
  keyPrefix?: string;
  /** A command that gets no answer in this time fails with ERR_STORE_UNAVAILABLE (default 2 s). */
  commandTimeoutMs?: number;
  /** How long `connect` waits for Redis at start before giving up (default 10 s). */
  connectTimeoutMs?: number;
}

/** A channel message handler; `message` is the raw payload. */
type ChannelHandler = (message: Buffer) => void;

interface Channel {
  handlers: Set<ChannelHandler>;
  /** Resolves once Redis confirmed the subscription. */
  ready: Promise<void>;
  confirmed: boolean;
}

/**
 * One instance's link to Redis: a connection for commands and one for pub/sub (a subscribed
 * connection can run nothing else), shared by the mailbox and the room store. Messages of a
 * channel are handed to every local handler, so one Redis subscription serves many waiters.
 *
 * When Redis goes away nothing waits for it: the offline queue is off and commands in flight
 * are not retried, so every store call fails at once with ERR_STORE_UNAVAILABLE, while ioredis
 * reconnects in the background. `restored` is emitted once both connections are ready again.
 */
export class RedisLink extends EventEmitter<{ lost: []; restored: [] }> {
  readonly prefix: string;
  readonly commands: Redis;
  readonly #subscriber: Redis;
  readonly #channels = new Map<string, Channel>();
  readonly #commandTimeoutMs: number;
  #down = false;
  #closed = false;

  private constructor(options: RedisLinkOptions) {
    super();
    this.prefix = options.keyPrefix ?? 'webrtc-connect:';
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 2_000;
    const common = {
      lazyConnect: true,
      // Fail now rather than queue behind a dead link: callers answer 503 and clients retry.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.#commandTimeoutMs,
      connectTimeout: this.#commandTimeoutMs,
      // Quick at first, then once a second for as long as it takes.
      retryStrategy: (times: number) => Math.min(times * 100, 1_000),
    };
    this.commands = new Redis(options.url, { ...common, connectionName: 'webrtc-connect' });
    const { commandTimeout: _, ...subscriberCommon } = common;
    this.#subscriber = new Redis(options.url, {
      ...subscriberCommon,
      // Subscriptions are made again by ioredis itself after a reconnect; one asked for while
      // the link is down waits for it (callers bound that wait with `subscribed`).
      autoResubscribe: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      connectionName: 'webrtc-connect-events',
    });
    this.#subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const handlers = this.#channels.get(channel.toString());
      if (!handlers) return;
      for (const handler of [...handlers.handlers]) {
        // A handler's failure must not reach ioredis's reply parser, nor the other handlers.
        try {
          handler(message);
        } catch {}
      }
    });
    for (const connection of [this.commands, this.#subscriber]) {
      // Errors are followed by a reconnect: the state says it, no need to crash or log each.
      connection.on('error', () => {});
      connection.on('close', () => this.#check());
      connection.on('end', () => this.#check());
      connection.on('ready', () => this.#check());
    }
  }

  /** Connects both links; ERR_STORE_UNAVAILABLE when Redis does not answer in time. */
  static async connect(options: RedisLinkOptions): Promise<RedisLink> {
    const link = new RedisLink(options);
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    try {
      await withTimeout(
        Promise.all([link.commands.connect(), link.#subscriber.connect()]),
        timeoutMs,
      );
    } catch (error) {
      await link.close();
      throw new ServerError(
        'ERR_STORE_UNAVAILABLE',
        `cannot reach Redis at ${redactUrl(options.url)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return link;
  }

  get state(): LinkState {
    if (this.#closed) return 'closed';
    return this.commands.status === 'ready' && this.#subscriber.status === 'ready'
      ? 'connected'
      : 'reconnecting';
  }

  /** `name` with the key prefix. */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /**
   * Runs a store operation; any failure of Redis becomes ERR_STORE_UNAVAILABLE (503 with
   * retry-after on the mailbox routes), so no caller hangs or sees a driver's error.
   */
  async run<T>(operation: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) throw unavailable('the store is closed');
    try {
      return await operation(this.commands);
    } catch (error) {
      if (error instanceof ServerError) throw error;
      throw unavailable(`Redis failed: ${(error as Error).message}`, error);
    }
  }

  /**
   * Hands every message of `channel` to `handler` until the returned function is called. The
   * subscription is confirmed by Redis when `ready` resolves: publish after it, not before.
   */
  subscribe(channel: string, handler: ChannelHandler): { ready: Promise<void>; off: () => void } {
    let entry = this.#channels.get(channel);
    if (!entry) {
      const created: Channel = { handlers: new Set(), ready: Promise.resolve(), confirmed: false };
      created.ready = this.#subscriber.subscribe(channel).then(() => {
        created.confirmed = true;
      });
      // A failure shows in `ready` for whoever waits on it; never unhandled.
      created.ready.catch(() => {});
      entry = created;
      this.#channels.set(channel, entry);
    }
    const current = entry;
    current.handlers.add(handler);
    return {
      ready: current.ready,
      off: () => {
        current.handlers.delete(handler);
        if (current.handlers.size > 0 || this.#channels.get(channel) !== current) return;
        this.#channels.delete(channel);
        if (this.#subscriber.status === 'ready') {
          this.#subscriber.unsubscribe(channel).catch(() => {});
        }
      },
    };
  }

  /** Waits for `channel`'s subscription, failing with ERR_STORE_UNAVAILABLE if it takes too long. */
  async subscribed(channel: string): Promise<void> {
    const entry = this.#channels.get(channel);
    // Every signal asks: the common case costs no promise and no timer.
    if (!entry || entry.confirmed) return;
    try {
      await withTimeout(entry.ready, this.#commandTimeoutMs);
    } catch (error) {
      throw unavailable('cannot subscribe to Redis events', error);
    }
  }

  /** Resolves once every message published before this call has been handed to its handlers. */
  async settle(): Promise<void> {
    // Replies come in order on the subscribed connection: a PING answered means all before it arrived.
    await this.#subscriber.ping();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    await Promise.allSettled([this.commands.quit(), this.#subscriber.quit()]);
    this.commands.disconnect();
    this.#subscriber.disconnect();
  }

  #check(): void {
    if (this.#closed) return;
    const connected = this.state === 'connected';
    if (!connected && !this.#down) {
      this.#down = true;
      this.emit('lost');
    } else if (connected && this.#down) {
      this.#down = false;
      void this.#resubscribe();
    }
  }

  /**
   * ioredis subscribes again by itself, but says nothing when that is done: subscribing once
   * more (harmless) tells us, so `restored` means events flow again.
   */
  async #resubscribe(): Promise<void> {
    const channels = [...this.#channels.keys()];
    try {
      if (channels.length > 0) await this.#subscriber.subscribe(...channels);
    } catch {
      // Lost again already: the next reconnect comes back here.
      return;
    }
    if (this.state === 'connected') this.emit('restored');
  }
}

export function unavailable(message: string, cause?: unknown): ServerError {
  return new ServerError(
    'ERR_STORE_UNAVAILABLE',
    message,
    cause === undefined ? { retryAfterSeconds: 1 } : { cause, retryAfterSeconds: 1 },
  );
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
