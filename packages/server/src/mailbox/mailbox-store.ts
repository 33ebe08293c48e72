/**
 * Where the mailbox keeps offers and replies. Sealed blobs are opaque bytes; the store never
 * sees an owner token, only its hash. Times are milliseconds since the epoch.
 *
 * Every method is one atomic step, so a shared store (Redis) can implement each as one command
 * or script and several server instances stay correct: `setOfferSealed` fills a reserved offer
 * only if it is still empty; `putReply` checks the offer and claims both the offer's one reply
 * and the code together (SET NX inside a script); `takeReply` reads and marks the reply read
 * together (GETDEL plus a tombstone). `onOffer` and `onReply` are the wake-up signals for
 * long-polls: an EventEmitter in memory, pub/sub on Redis.
 */
export interface MailboxStore {
  /** Shown by the health route ("memory", "redis"). */
  readonly kind: string;
  putOffer(offer: StoredOffer): Promise<PutOfferResult>;
  getOffer(id: string): Promise<OfferLookup>;
  /**
   * Gives a reserved offer (stored with `sealed: null`) its blob, in one step: only the first
   * call fills it. The caller has checked the owner. Wakes the offer's waiters.
   */
  setOfferSealed(id: string, sealed: Uint8Array): Promise<SetOfferSealedResult>;
  /**
   * Ends a live offer at its owner's request (the caller has checked the owner): it is gone, its
   * id answers `withdrawn` while its tombstone lives, and both its waiters are woken.
   */
  withdrawOffer(id: string): Promise<WithdrawOfferResult>;
  /**
   * Calls `listener` whenever the blob of the reserved offer `id` is set, or the offer is
   * withdrawn; returns the unsubscribe.
   */
  onOffer(id: string, listener: () => void): () => void;
  /**
   * Stores a reply under its code; with `offerId`, also as that offer's one reply, extending the
   * offer's life to the reply's so its owner can still collect it. Wakes the offer's waiters.
   */
  putReply(reply: StoredReply): Promise<PutReplyResult>;
  /** Reads a reply by its code and marks it read, in one step: a reply is read once. */
  takeReply(code: string): Promise<TakeReplyResult>;
  /** `takeReply` through the offer: `pending` while the offer has no reply yet. */
  takeReplyForOffer(offerId: string): Promise<TakeOwnReplyResult>;
  /** Calls `listener` whenever a reply to `offerId` is stored, or the offer is withdrawn. */
  onReply(offerId: string, listener: () => void): () => void;
  /** Live (unexpired, unread) offers and replies. */
  counts(): Promise<{ offers: number; replies: number }>;
  close(): Promise<void>;
}

export interface StoredOffer {
  id: string;
  /** Null while the offer is reserved: A shows the link before it has the blob to fill it. */
  sealed: Uint8Array | null;
  /** SHA-256 of the owner token, base64url: a leaked store does not leak tokens. */
  ownerTokenHash: string;
  expiresAt: number;
}

export interface StoredReply {
  code: string;
  sealed: Uint8Array;
  offerId?: string;
  expiresAt: number;
}

/** `id-taken` and `code-taken` ask the caller to draw another id or code. */
export type PutOfferResult = 'stored' | 'id-taken' | 'full';

export type SetOfferSealedResult = 'stored' | 'already-set' | 'missing' | 'expired' | 'withdrawn';

export type WithdrawOfferResult = 'withdrawn' | 'missing' | 'expired';

export type PutReplyResult =
  | 'stored'
  | 'code-taken'
  | 'offer-missing'
  | 'offer-expired'
  | 'offer-withdrawn'
  | 'offer-answered'
  /** The offer is reserved and has no blob yet: nobody can have answered it. */
  | 'offer-not-set'
  | 'full';

export type OfferLookup =
  | { status: 'live'; offer: StoredOffer }
  | { status: 'expired' }
  | { status: 'withdrawn' }
  | { status: 'missing' };

/**
 * `expired` and `already-read` come from tombstones kept after the fact, so a client can be
 * told why a code no longer works; `missing` when there never was one or it is forgotten.
 */
export type TakeReplyResult =
  | { status: 'taken'; reply: StoredReply }
  | { status: 'already-read' }
  | { status: 'expired' }
  | { status: 'missing' };

export type TakeOwnReplyResult = TakeReplyResult | { status: 'pending' } | { status: 'withdrawn' };

/** A store's defaults when made on its own (the server passes its resolved options). */
export const MAILBOX_STORE_DEFAULTS = {
  maxOffers: 10_000,
  maxReplies: 10_000,
  tombstoneTtlMs: 3_600_000,
} as const;
