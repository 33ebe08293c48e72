import type { RoomStore } from '../../account/room-store.ts';
import type { MailboxStore } from '../../mailbox/mailbox-store.ts';
import type { SharedLink } from '../shared-link.ts';
import { RedisLink, redactUrl } from './redis-link.ts';
import { RedisMailboxStore, type RedisMailboxStoreOptions } from './redis-mailbox-store.ts';
import { type RateLimitStoreClass, sharedRateLimitStore } from './redis-rate-limit-store.ts';
import { RedisRoomStore } from './redis-room-store.ts';

export interface RedisAdapterOptions extends RedisMailboxStoreOptions {
  /** `redis://` or `rediss://` URL (already checked). */
  url: string;
  /** Put before every key and channel. */
  keyPrefix: string;
  /** How long a stopped instance still counts as alive in the rooms. */
  instanceTtlMs: number;
}

/** Everything that is Redis's: the stores, the shared rate-limit counts and the one link. */
export interface RedisAdapter {
  mailbox: MailboxStore;
  rooms: RoomStore;
  link: SharedLink;
  /** A @fastify/rate-limit store counting one budget per address over every instance. */
  rateLimitStore: RateLimitStoreClass;
  /** Where the stores are, with the password hidden, for the log. */
  where: string;
  /** Closes the mailbox store, then the link. */
  close(): Promise<void>;
}

/**
 * The Redis side of the server as one adapter (socket.io's lesson): the core asks for stores
 * through `openStores` and never imports Redis; every store here passes the same contract
 * tests as its memory twin.
 */
export async function createRedisAdapter(options: RedisAdapterOptions): Promise<RedisAdapter> {
  const { url, keyPrefix, instanceTtlMs, ...mailboxOptions } = options;
  const link = await RedisLink.connect({ url, keyPrefix });
  const rooms = new RedisRoomStore(link, { instanceTtlMs });
  const mailbox = await RedisMailboxStore.create(link, mailboxOptions);
  return {
    mailbox,
    rooms,
    link,
    rateLimitStore: sharedRateLimitStore(link),
    where: redactUrl(url),
    close: async () => {
      await mailbox.close();
      await link.close();
    },
  };
}
