import type { FastifyBaseLogger } from 'fastify';
import type { RoomStore } from './account/room-store.ts';
import type { MailboxStore } from './mailbox/mailbox-store.ts';
import type { ResolvedServerOptions } from './server-options.ts';
import { MemoryMailboxStore } from './store/memory/memory-mailbox-store.ts';
import { createRedisAdapter } from './store/redis/redis-adapter.ts';
import type { RateLimitStoreClass } from './store/redis/redis-rate-limit-store.ts';
import type { SharedLink } from './store/shared-link.ts';

/** What the server gets from its stores, whichever they are. */
export interface ServerStores {
  mailbox: MailboxStore;
  /** The account rooms' store; undefined leaves it to the account service (memory, or given). */
  rooms: RoomStore | undefined;
  /** The link behind shared stores (health and log), when they are shared. */
  link: SharedLink | undefined;
  /** A rate-limit store counting over every instance, when the stores are shared. */
  rateLimitStore: RateLimitStoreClass | undefined;
  /** Says where the stores are and logs the shared link's losses and returns. */
  announce(log: FastifyBaseLogger): void;
  /** Closes what was opened here (a store given in the options stays open). */
  close(): Promise<void>;
}

/**
 * The one place that chooses the stores: Redis's adapter given a URL, else the store given,
 * else memory. The rest of the server sees only the interfaces.
 */
export async function openStores(resolved: ResolvedServerOptions): Promise<ServerStores> {
  const limits = {
    maxOffers: resolved.maxOffers,
    maxReplies: resolved.maxReplies,
    tombstoneTtlMs: resolved.tombstoneTtlMs,
    clock: resolved.clock,
  };
  if (resolved.redisUrl) {
    const redis = await createRedisAdapter({
      url: resolved.redisUrl,
      keyPrefix: resolved.redisKeyPrefix,
      instanceTtlMs: resolved.instanceTtlMs,
      ...limits,
    });
    return {
      mailbox: redis.mailbox,
      rooms: redis.rooms,
      link: redis.link,
      rateLimitStore: redis.rateLimitStore,
      announce: (log) => {
        log.info({ redis: redis.where }, 'stores in Redis');
        redis.link.on('lost', () => log.warn('Redis link lost: reconnecting'));
        redis.link.on('restored', () => log.info('Redis link restored'));
      },
      close: () => redis.close(),
    };
  }
  const given = resolved.store;
  const mailbox = given ?? new MemoryMailboxStore(limits);
  return {
    mailbox,
    rooms: resolved.account.roomStore,
    link: undefined,
    rateLimitStore: undefined,
    announce: () => {},
    close: async () => {
      if (!given) await mailbox.close();
    },
  };
}
