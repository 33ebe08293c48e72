/**
 * Where resume boxes live (DESIGN §4.5). A box carries the sealed signals two sides of a link
 * send each other to resume a session (a fresh offer after a reload, an ICE restart after a
 * network change) while they have no data channel. The store sees opaque bytes under an id the
 * sides derive from the link secret; it can neither read nor forge them, and the sides refuse
 * anything replayed. Bounded: a box count, a few blobs per side, a box's life (a link's).
 *
 * A side's signals are numbered as they are posted and stay until the side acknowledges them
 * (`signalsAfter`): a wait whose response never arrives (its connection went stale, its client
 * went away) loses nothing, whichever instance it was on. The side's capacity counts the
 * signals not yet acknowledged.
 *
 * Every method is one atomic step, so a shared store (Redis) implements each as one script.
 */
export type ResumeSide = 'a' | 'b';

export interface ResumeBoxStore {
  readonly kind: string;
  /** Makes the box `id`, alive until `expiresAt`; an id is made once (tombstones remember it). */
  createBox(id: string, expiresAt: number): Promise<CreateResumeBoxResult>;
  /** Adds one sealed signal for side `to`; wakes that side's waiters. */
  postSignal(id: string, to: ResumeSide, sealed: Uint8Array): Promise<PostResumeSignalResult>;
  /**
   * The signals waiting for side `to` numbered above `after`, oldest first (an empty list when
   * none waits), left in the box; those up to `after` are acknowledged and dropped. `ahead` when
   * `after` is above the side's last number (no signal was ever numbered so).
   */
  signalsAfter(id: string, to: ResumeSide, after: number): Promise<SignalsAfterResult>;
  /** Takes every signal waiting for side `to`, oldest first: a wait without `after`. */
  takeSignals(id: string, to: ResumeSide): Promise<TakeResumeSignalsResult>;
  /** Calls `listener` whenever a signal for side `to` of box `id` is posted; returns the unsubscribe. */
  onSignal(id: string, to: ResumeSide, listener: () => void): () => void;
  /** Live boxes. */
  count(): Promise<number>;
  close(): Promise<void>;
}

export type CreateResumeBoxResult = 'created' | 'id-taken' | 'full';

export type PostResumeSignalResult = 'stored' | 'side-full' | 'missing' | 'expired';

/**
 * One sealed signal and its number: a side's signals are numbered from 1 as they are posted, so
 * the ones a side holds have consecutive numbers, the oldest first.
 */
export interface NumberedResumeSignal {
  seq: number;
  sealed: Uint8Array;
}

export type TakeResumeSignalsResult =
  | { status: 'live'; signals: NumberedResumeSignal[]; expiresAt: number }
  | { status: 'missing' }
  | { status: 'expired' };

export type SignalsAfterResult = TakeResumeSignalsResult | { status: 'ahead'; last: number };

/** A store's defaults: how many live boxes it holds, and how long it remembers an expired id. */
export const RESUME_STORE_DEFAULTS = { maxBoxes: 10_000, tombstoneTtlMs: 3_600_000 } as const;
