/**
 * Where the mailbox keeps offers and replies. Sealed blobs are opaque bytes; the store never
 * sees an owner token, only its hash. Times are milliseconds since the epoch.
 *
 * Every method is one atomic step, so a shared store (Redis) can implement each as one command
 * or script and several server instances stay correct: `putReply` checks the offer and claims
 * both the offer's one reply and the code together (SET NX inside a script); `takeReply` reads
 * and marks the reply read together (GETDEL plus a tombstone). `onReply` is the wake-up signal
 * for long-polls: an EventEmitter in memory, pub/sub on Redis.
 */
export interface MailboxStore {
  /** Shown by the health route ("memory", "redis"). */
  readonly kind: string;
  putOffer(offer: StoredOffer): Promise<PutOfferResult>;
  getOffer(id: string): Promise<OfferLookup>;
  /**
   * Stores a reply under its code; with `offerId`, also as that offer's one reply, extending the
   * offer's life to the reply's so its owner can still collect it. Wakes the offer's waiters.
   */
  putReply(reply: StoredReply): Promise<PutReplyResult>;
  /** Reads a reply by its code and marks it read, in one step: a reply is read once. */
  takeReply(code: string): Promise<TakeReplyResult>;
  /** `takeReply` through the offer: `pending` while the offer has no reply yet. */
  takeReplyForOffer(offerId: string): Promise<TakeOwnReplyResult>;
  /** Calls `listener` whenever a reply to `offerId` is stored; returns the unsubscribe. */
  onReply(offerId: string, listener: () => void): () => void;
  /** Live (unexpired, unread) offers and replies. */
  counts(): Promise<{ offers: number; replies: number }>;
  close(): Promise<void>;
}

export interface StoredOffer {
  id: string;
  sealed: Uint8Array;
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

export type PutReplyResult =
  | 'stored'
  | 'code-taken'
  | 'offer-missing'
  | 'offer-expired'
  | 'offer-answered'
  | 'full';

export type OfferLookup =
  | { status: 'live'; offer: StoredOffer }
  | { status: 'expired' }
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

export type TakeOwnReplyResult = TakeReplyResult | { status: 'pending' };
