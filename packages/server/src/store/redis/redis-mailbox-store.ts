import type * as Mailbox from '../../mailbox/mailbox-store.ts';
import { MAILBOX_STORE_DEFAULTS } from '../../mailbox/mailbox-store.ts';
import type { RedisLink } from './redis-link.ts';
import {
  COUNTS,
  GET_OFFER,
  PUT_OFFER,
  PUT_REPLY,
  SET_OFFER_SEALED,
  TAKE_REPLY,
  TAKE_REPLY_FOR_OFFER,
  WITHDRAW_OFFER,
} from './redis-mailbox-scripts.ts';
import { defineScripts, type ScriptArg, type ScriptRunner } from './redis-scripts.ts';
import { RedisWakeUps } from './redis-wake-ups.ts';

export interface RedisMailboxStoreOptions {
  /** Live offers held at most, all instances together (default 10,000). */
  maxOffers?: number;
  /** Live replies held at most (default 10,000). */
  maxReplies?: number;
  /** How long a used or expired id or code is remembered as such (default 1 hour). */
  tombstoneTtlMs?: number;
  /** Milliseconds since the epoch. */
  clock?: () => number;
}

const SCRIPTS = {
  putOffer: [3, PUT_OFFER],
  getOffer: [2, GET_OFFER],
  setOfferSealed: [2, SET_OFFER_SEALED],
  withdrawOffer: [3, WITHDRAW_OFFER],
  putReply: [6, PUT_REPLY],
  takeReply: [3, TAKE_REPLY],
  takeReplyForOffer: [3, TAKE_REPLY_FOR_OFFER],
  counts: [2, COUNTS],
} as const;

/**
 * The mailbox in Redis, shared by every instance: one Lua script per store method (see
 * redis-mailbox-scripts.ts), Redis expiry for blobs and tombstones, and the long-polls' wake-ups
 * on one pub/sub channel that each instance hands out to its own waiters.
 */
export class RedisMailboxStore implements Mailbox.MailboxStore {
  readonly kind = 'redis';
  readonly #link: RedisLink;
  readonly #call: ScriptRunner<typeof SCRIPTS>;
  readonly #wakeUps: RedisWakeUps;
  readonly #maxOffers: number;
  readonly #maxReplies: number;
  readonly #tombstoneTtlMs: number;
  readonly #now: () => number;

  private constructor(link: RedisLink, options: RedisMailboxStoreOptions) {
    this.#link = link;
    this.#maxOffers = options.maxOffers ?? MAILBOX_STORE_DEFAULTS.maxOffers;
    this.#maxReplies = options.maxReplies ?? MAILBOX_STORE_DEFAULTS.maxReplies;
    this.#tombstoneTtlMs = options.tombstoneTtlMs ?? MAILBOX_STORE_DEFAULTS.tombstoneTtlMs;
    this.#now = options.clock ?? Date.now;
    this.#call = defineScripts(link, SCRIPTS);
    this.#wakeUps = new RedisWakeUps(link, 'mailbox-events');
  }

  /** A store on `link`, once its wake-up channel is subscribed. */
  static async create(
    link: RedisLink,
    options: RedisMailboxStoreOptions = {},
  ): Promise<RedisMailboxStore> {
    const store = new RedisMailboxStore(link, options);
    await store.#wakeUps.subscribed();
    return store;
  }

  get link(): RedisLink {
    return this.#link;
  }

  async putOffer(offer: Mailbox.StoredOffer): Promise<Mailbox.PutOfferResult> {
    const args: ScriptArg[] = [
      ...this.#offerKeys(offer.id),
      this.#link.key('offers'),
      offer.id,
      offer.expiresAt,
      offer.ownerTokenHash,
      this.#tombstoneTtlMs,
      this.#now(),
      this.#maxOffers,
    ];
    if (offer.sealed !== null) args.push(Buffer.from(offer.sealed));
    return (await this.#call('putOffer', args)) as Mailbox.PutOfferResult;
  }

  async getOffer(id: string): Promise<Mailbox.OfferLookup> {
    const result = (await this.#call('getOfferBuffer', [
      ...this.#offerKeys(id),
      this.#now(),
    ])) as Buffer[];
    const status = result[0]?.toString();
    if (status !== 'live') {
      return { status: status === 'expired' || status === 'withdrawn' ? status : 'missing' };
    }
    const [, owner, expiresAt, sealed] = result;
    return {
      status: 'live',
      offer: {
        id,
        sealed: sealed ? new Uint8Array(sealed) : null,
        ownerTokenHash: String(owner),
        expiresAt: Number(String(expiresAt)),
      },
    };
  }

  async setOfferSealed(id: string, sealed: Uint8Array): Promise<Mailbox.SetOfferSealedResult> {
    return (await this.#call('setOfferSealed', [
      ...this.#offerKeys(id),
      this.#now(),
      Buffer.from(sealed),
      this.#wakeUps.channel,
      offerEvent(id),
    ])) as Mailbox.SetOfferSealedResult;
  }

  async withdrawOffer(id: string): Promise<Mailbox.WithdrawOfferResult> {
    return (await this.#call('withdrawOffer', [
      ...this.#offerKeys(id),
      this.#link.key('offers'),
      id,
      this.#now(),
      this.#tombstoneTtlMs,
      this.#wakeUps.channel,
      offerEvent(id),
      replyEvent(id),
    ])) as Mailbox.WithdrawOfferResult;
  }

  onOffer(id: string, listener: () => void): () => void {
    return this.#wakeUps.on(offerEvent(id), listener);
  }

  async putReply(reply: Mailbox.StoredReply): Promise<Mailbox.PutReplyResult> {
    const offerId = reply.offerId ?? '';
    return (await this.#call('putReply', [
      ...this.#replyKeys(reply.code),
      this.#link.key('replies'),
      ...this.#offerKeys(offerId),
      this.#link.key('offers'),
      reply.code,
      reply.expiresAt,
      this.#tombstoneTtlMs,
      this.#now(),
      this.#maxReplies,
      Buffer.from(reply.sealed),
      offerId,
      this.#wakeUps.channel,
      replyEvent(offerId),
    ])) as Mailbox.PutReplyResult;
  }

  async takeReply(code: string): Promise<Mailbox.TakeReplyResult> {
    const result = (await this.#call('takeReplyBuffer', [
      ...this.#replyKeys(code),
      this.#link.key('replies'),
      code,
      this.#now(),
      this.#tombstoneTtlMs,
    ])) as Buffer[];
    return takeResult(result);
  }

  async takeReplyForOffer(offerId: string): Promise<Mailbox.TakeOwnReplyResult> {
    const result = (await this.#call('takeReplyForOfferBuffer', [
      ...this.#offerKeys(offerId),
      this.#link.key('replies'),
      this.#now(),
      this.#tombstoneTtlMs,
      this.#link.prefix,
    ])) as Buffer[];
    const status = result[0]?.toString();
    if (status === 'pending' || status === 'withdrawn') return { status };
    const taken = takeResult(result);
    // The reply's tombstone can be forgotten before its offer ends; it was read or expired.
    return taken.status === 'missing' ? { status: 'expired' } : taken;
  }

  onReply(offerId: string, listener: () => void): () => void {
    return this.#wakeUps.on(replyEvent(offerId), listener);
  }

  async counts(): Promise<{ offers: number; replies: number }> {
    const [offers, replies] = (await this.#call('counts', [
      this.#link.key('offers'),
      this.#link.key('replies'),
      this.#now(),
    ])) as [number, number];
    return { offers, replies };
  }

  /** Stops listening; the link is closed by whoever made it. */
  async close(): Promise<void> {
    this.#wakeUps.close();
  }

  #offerKeys(id: string): [string, string] {
    return [this.#link.key(`offer:${id}`), this.#link.key(`offer-gone:${id}`)];
  }

  #replyKeys(code: string): [string, string] {
    return [this.#link.key(`reply:${code}`), this.#link.key(`reply-gone:${code}`)];
  }
}

/** A `take` script's answer: status, then sealed, offer id, expiry and code when taken. */
function takeResult(result: Buffer[]): Mailbox.TakeReplyResult {
  const status = result[0]?.toString();
  switch (status) {
    case 'taken': {
      const [, sealed, offerId, expiresAt, code] = result;
      const reply: Mailbox.StoredReply = {
        code: String(code),
        sealed: new Uint8Array(sealed ?? []),
        expiresAt: Number(String(expiresAt)),
      };
      const offer = offerId?.toString();
      if (offer) reply.offerId = offer;
      return { status, reply };
    }
    case 'already-read':
    case 'expired':
      return { status };
    default:
      return { status: 'missing' };
  }
}

const offerEvent = (id: string) => `offer:${id}`;
const replyEvent = (id: string) => `reply:${id}`;
