import type { RoomStore } from '../../account/room-store.ts';
import type { MailboxStore } from '../../mailbox/mailbox-store.ts';
import type { ResumeBoxStore } from '../../mailbox/resume-box-store.ts';
import type { SharedLink } from '../shared-link.ts';
import { RedisLink, redactUrl } from './redis-link.ts';
import { RedisMailboxStore, type RedisMailboxStoreOptions } from './redis-mailbox-store.ts';
import { type RateLimitStoreClass, sharedRateLimitStore } from './redis-rate-limit-store.ts';
import { RedisResumeBoxStore } from './redis-resume-box-store.ts';
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
  resumeBoxes: ResumeBoxStore;
  rooms: RoomStore;
  link: SharedLink;
  /** A @fastify/rate-limit store counting one budget per address over every instance. */
  rateLimitStore: RateLimitStoreClass;
  /** Where the stores are, with the password hidden, for the log. */
  where: string;
  /** Closes the mailbox and resume box stores, then the link. */
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
  let mailbox: RedisMailboxStore;
  let resumeBoxes: RedisResumeBoxStore;
  try {
    mailbox = await RedisMailboxStore.create(link, mailboxOptions);
    resumeBoxes = await RedisResumeBoxStore.create(link, {
      ...(mailboxOptions.maxOffers === undefined ? {} : { maxBoxes: mailboxOptions.maxOffers }),
      ...(mailboxOptions.tombstoneTtlMs === undefined
        ? {}
        : { tombstoneTtlMs: mailboxOptions.tombstoneTtlMs }),
      ...(mailboxOptions.clock === undefined ? {} : { clock: mailboxOptions.clock }),
    });
  } catch (error) {
    // A store that cannot start (its channel not subscribed in time) fails the server's start:
    // the link must not stay open behind it, holding the process and two connections.
    await link.close();
    throw error;
  }
  const rooms = new RedisRoomStore(link, { instanceTtlMs });
  return {
    mailbox,
    resumeBoxes,
    rooms,
    link,
    rateLimitStore: sharedRateLimitStore(link),
    where: redactUrl(url),
    close: async () => {
      await mailbox.close();
      await resumeBoxes.close();
      await link.close();
    },
  };
}
