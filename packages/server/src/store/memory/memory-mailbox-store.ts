import { EventEmitter } from 'node:events';
import type * as Mailbox from '../../mailbox/mailbox-store.ts';
import { MAILBOX_STORE_DEFAULTS } from '../../mailbox/mailbox-store.ts';

export interface MemoryStoreOptions {
  /** Live offers held at most (default 10,000: at 4 KiB a blob, 40 MiB at worst). */
  maxOffers?: number;
  /** Live replies held at most (default 10,000). */
  maxReplies?: number;
  /** How long a used or expired id or code is remembered as such (default 1 hour). */
  tombstoneTtlMs?: number;
  /** Tombstones held at most, per kind (default 100,000); the oldest go first. */
  maxTombstones?: number;
  /** How often expired entries are dropped (default 30 s); lookups also expire lazily. */
  sweepIntervalMs?: number;
  /** Milliseconds since the epoch; tests pass a fake to expire without waiting. */
  clock?: () => number;
}

type ReplyTombstone = { reason: 'read' | 'expired'; forgetAt: number };
type OfferTombstone = { reason: 'expired' | 'withdrawn'; forgetAt: number };
interface LiveOffer extends Mailbox.StoredOffer {
  replyCode: string | undefined;
}

/**
 * The default store: one process, nothing persisted. Bounded in every map it keeps, so no
 * sequence of requests grows it without limit.
 */
export class MemoryMailboxStore implements Mailbox.MailboxStore {
  readonly kind = 'memory';
  readonly #offers = new Map<string, LiveOffer>();
  readonly #replies = new Map<string, Mailbox.StoredReply>();
  /** Offers are never "read", only expired or withdrawn. */
  readonly #offerTombstones = new Map<string, OfferTombstone>();
  readonly #replyTombstones = new Map<string, ReplyTombstone>();
  readonly #events = new EventEmitter();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #maxOffers: number;
  readonly #maxReplies: number;
  readonly #tombstoneTtlMs: number;
  readonly #maxTombstones: number;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxOffers = options.maxOffers ?? MAILBOX_STORE_DEFAULTS.maxOffers;
    this.#maxReplies = options.maxReplies ?? MAILBOX_STORE_DEFAULTS.maxReplies;
    this.#tombstoneTtlMs = options.tombstoneTtlMs ?? MAILBOX_STORE_DEFAULTS.tombstoneTtlMs;
    this.#maxTombstones = options.maxTombstones ?? 100_000;
    this.#now = options.clock ?? Date.now;
    // One listener per waiting long-poll, many per process: not a leak.
    this.#events.setMaxListeners(0);
    this.#timer = setInterval(() => this.#sweep(), options.sweepIntervalMs ?? 30_000);
    this.#timer.unref();
  }

  async putOffer(offer: Mailbox.StoredOffer): Promise<Mailbox.PutOfferResult> {
    if (this.#offers.has(offer.id) || this.#offerTombstones.has(offer.id)) return 'id-taken';
    if (this.#offers.size >= this.#maxOffers) {
      this.#sweep();
      if (this.#offers.size >= this.#maxOffers) return 'full';
    }
    const sealed = offer.sealed?.slice() ?? null;
    this.#offers.set(offer.id, { ...offer, sealed, replyCode: undefined });
    return 'stored';
  }

  async getOffer(id: string): Promise<Mailbox.OfferLookup> {
    const offer = this.#liveOffer(id);
    if (typeof offer !== 'object') return { status: offer ?? 'missing' };
    const { replyCode: _, ...stored } = offer;
    return { status: 'live', offer: { ...stored, sealed: stored.sealed?.slice() ?? null } };
  }

  async setOfferSealed(id: string, sealed: Uint8Array): Promise<Mailbox.SetOfferSealedResult> {
    const offer = this.#liveOffer(id);
    if (typeof offer !== 'object') return offer ?? 'missing';
    if (offer.sealed !== null) return 'already-set';
    offer.sealed = sealed.slice();
    this.#events.emit(offerEvent(id));
    return 'stored';
  }

  async withdrawOffer(id: string): Promise<Mailbox.WithdrawOfferResult> {
    const offer = this.#liveOffer(id);
    if (typeof offer !== 'object')
      return offer === 'withdrawn' ? 'withdrawn' : (offer ?? 'missing');
    this.#offers.delete(id);
    // Remembered as withdrawn for at least as long as it would have lived, and then some.
    const forgetAt = Math.max(offer.expiresAt, this.#now()) + this.#tombstoneTtlMs;
    this.#addOfferTombstone(id, { reason: 'withdrawn', forgetAt });
    this.#events.emit(offerEvent(id));
    this.#events.emit(replyEvent(id));
    return 'withdrawn';
  }

  onOffer(id: string, listener: () => void): () => void {
    return this.#listen(offerEvent(id), listener);
  }

  async putReply(reply: Mailbox.StoredReply): Promise<Mailbox.PutReplyResult> {
    let offer: LiveOffer | undefined;
    if (reply.offerId !== undefined) {
      const found = this.#liveOffer(reply.offerId);
      if (found === undefined) return 'offer-missing';
      if (found === 'expired') return 'offer-expired';
      if (found === 'withdrawn') return 'offer-withdrawn';
      if (found.replyCode !== undefined) return 'offer-answered';
      if (found.sealed === null) return 'offer-not-set';
      offer = found;
    }
    if (this.#replies.size >= this.#maxReplies) {
      this.#sweep();
      if (this.#replies.size >= this.#maxReplies) return 'full';
    }
    // A code stays unusable while its tombstone lives, so an old code never reaches a new reply.
    if (this.#replies.has(reply.code) || this.#replyTombstone(reply.code)) return 'code-taken';
    this.#replies.set(reply.code, { ...reply, sealed: reply.sealed.slice() });
    if (offer) {
      offer.replyCode = reply.code;
      offer.expiresAt = Math.max(offer.expiresAt, reply.expiresAt);
      this.#events.emit(replyEvent(offer.id));
    }
    return 'stored';
  }

  async takeReply(code: string): Promise<Mailbox.TakeReplyResult> {
    const reply = this.#replies.get(code);
    if (reply) {
      const now = this.#now();
      if (reply.expiresAt <= now) {
        this.#expireReply(reply);
        return { status: 'expired' };
      }
      this.#replies.delete(code);
      // Remembered as read for at least as long as it would have lived, and then some.
      const forgetAt = Math.max(reply.expiresAt, now) + this.#tombstoneTtlMs;
      this.#addReplyTombstone(code, { reason: 'read', forgetAt });
      return { status: 'taken', reply };
    }
    const tombstone = this.#replyTombstone(code);
    if (!tombstone) return { status: 'missing' };
    return { status: tombstone.reason === 'read' ? 'already-read' : 'expired' };
  }

  async takeReplyForOffer(offerId: string): Promise<Mailbox.TakeOwnReplyResult> {
    const offer = this.#liveOffer(offerId);
    if (typeof offer !== 'object') return { status: offer ?? 'missing' };
    if (offer.replyCode === undefined) return { status: 'pending' };
    const taken = await this.takeReply(offer.replyCode);
    // The reply's tombstone can be forgotten before its offer ends; it was read or expired.
    return taken.status === 'missing' ? { status: 'expired' } : taken;
  }

  onReply(offerId: string, listener: () => void): () => void {
    return this.#listen(replyEvent(offerId), listener);
  }

  async counts(): Promise<{ offers: number; replies: number }> {
    this.#sweep();
    return { offers: this.#offers.size, replies: this.#replies.size };
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#events.removeAllListeners();
  }

  #listen(event: string, listener: () => void): () => void {
    this.#events.on(event, listener);
    return () => this.#events.off(event, listener);
  }

  #liveOffer(id: string): LiveOffer | OfferTombstone['reason'] | undefined {
    const now = this.#now();
    const offer = this.#offers.get(id);
    if (offer) {
      if (offer.expiresAt > now) return offer;
      this.#expireOffer(offer);
      return 'expired';
    }
    const tombstone = this.#offerTombstones.get(id);
    if (tombstone === undefined) return undefined;
    if (tombstone.forgetAt > now) return tombstone.reason;
    this.#offerTombstones.delete(id);
    return undefined;
  }

  #replyTombstone(code: string): ReplyTombstone | undefined {
    const tombstone = this.#replyTombstones.get(code);
    if (tombstone && tombstone.forgetAt <= this.#now()) {
      this.#replyTombstones.delete(code);
      return undefined;
    }
    return tombstone;
  }

  #expireOffer(offer: LiveOffer): void {
    this.#offers.delete(offer.id);
    this.#addOfferTombstone(offer.id, {
      reason: 'expired',
      forgetAt: offer.expiresAt + this.#tombstoneTtlMs,
    });
  }

  #addOfferTombstone(id: string, tombstone: OfferTombstone): void {
    this.#offerTombstones.set(id, tombstone);
    evictOldest(this.#offerTombstones, this.#maxTombstones);
  }

  #expireReply(reply: Mailbox.StoredReply): void {
    this.#replies.delete(reply.code);
    this.#addReplyTombstone(reply.code, {
      reason: 'expired',
      forgetAt: reply.expiresAt + this.#tombstoneTtlMs,
    });
  }

  #addReplyTombstone(code: string, tombstone: ReplyTombstone): void {
    this.#replyTombstones.set(code, tombstone);
    evictOldest(this.#replyTombstones, this.#maxTombstones);
  }

  /** Drops the bytes of everything expired and forgets old tombstones. */
  #sweep(): void {
    const now = this.#now();
    for (const offer of this.#offers.values()) if (offer.expiresAt <= now) this.#expireOffer(offer);
    for (const reply of this.#replies.values())
      if (reply.expiresAt <= now) this.#expireReply(reply);
    for (const [id, { forgetAt }] of this.#offerTombstones) {
      if (forgetAt <= now) this.#offerTombstones.delete(id);
    }
    for (const [code, { forgetAt }] of this.#replyTombstones) {
      if (forgetAt <= now) this.#replyTombstones.delete(code);
    }
  }
}

/** One offer id names two events: its blob arriving, and its reply arriving. */
const offerEvent = (id: string) => `offer:${id}`;
const replyEvent = (id: string) => `reply:${id}`;

/** Maps iterate in insertion order, so the first keys are the oldest. */
function evictOldest<K, V>(map: Map<K, V>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}
