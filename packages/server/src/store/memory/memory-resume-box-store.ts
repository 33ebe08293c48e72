import { EventEmitter } from 'node:events';
import { MAX_RESUME_BLOBS } from '@webrtc-connect/protocol';
import {
  type CreateResumeBoxResult,
  type NumberedResumeSignal,
  type PostResumeSignalResult,
  RESUME_STORE_DEFAULTS,
  type ResumeBoxStore,
  type ResumeSide,
  type SignalsAfterResult,
  type TakeResumeSignalsResult,
} from '../../mailbox/resume-box-store.ts';

export interface MemoryResumeBoxStoreOptions {
  /** Live boxes held at most (default 10,000; 2 sides x 8 blobs x 4 KiB each at worst). */
  maxBoxes?: number;
  /** How long an expired id is remembered as such (default 1 hour). */
  tombstoneTtlMs?: number;
  /** Milliseconds since the epoch; tests pass a fake to expire without waiting. */
  clock?: () => number;
}

/** A side's signals not yet acknowledged, and the number the last one posted got. */
interface BoxSide {
  last: number;
  signals: NumberedResumeSignal[];
}

interface LiveBox {
  expiresAt: number;
  sides: Record<ResumeSide, BoxSide>;
}

/** Resume boxes in one process, bounded in every map it keeps. */
export class MemoryResumeBoxStore implements ResumeBoxStore {
  readonly kind = 'memory';
  readonly #boxes = new Map<string, LiveBox>();
  /** Ids of expired boxes, until they may be forgotten: `expired`, and never made again. */
  readonly #tombstones = new Map<string, number>();
  readonly #events = new EventEmitter();
  readonly #maxBoxes: number;
  readonly #tombstoneTtlMs: number;
  readonly #now: () => number;

  constructor(options: MemoryResumeBoxStoreOptions = {}) {
    this.#maxBoxes = options.maxBoxes ?? RESUME_STORE_DEFAULTS.maxBoxes;
    this.#tombstoneTtlMs = options.tombstoneTtlMs ?? RESUME_STORE_DEFAULTS.tombstoneTtlMs;
    this.#now = options.clock ?? Date.now;
    this.#events.setMaxListeners(0);
  }

  async createBox(id: string, expiresAt: number): Promise<CreateResumeBoxResult> {
    if (this.#live(id) !== undefined) return 'id-taken';
    if (this.#boxes.size >= this.#maxBoxes) {
      this.#sweep();
      if (this.#boxes.size >= this.#maxBoxes) return 'full';
    }
    this.#boxes.set(id, {
      expiresAt,
      sides: { a: { last: 0, signals: [] }, b: { last: 0, signals: [] } },
    });
    return 'created';
  }

  async postSignal(
    id: string,
    to: ResumeSide,
    sealed: Uint8Array,
  ): Promise<PostResumeSignalResult> {
    const box = this.#live(id);
    if (typeof box !== 'object') return box ?? 'missing';
    const side = box.sides[to];
    if (side.signals.length >= MAX_RESUME_BLOBS) return 'side-full';
    side.last += 1;
    side.signals.push({ seq: side.last, sealed: sealed.slice() });
    this.#events.emit(`${id}:${to}`);
    return 'stored';
  }

  async signalsAfter(id: string, to: ResumeSide, after: number): Promise<SignalsAfterResult> {
    const box = this.#live(id);
    if (typeof box !== 'object') return { status: box ?? 'missing' };
    const side = box.sides[to];
    if (after > side.last) return { status: 'ahead', last: side.last };
    side.signals = side.signals.filter((signal) => signal.seq > after);
    return { status: 'live', signals: copies(side.signals), expiresAt: box.expiresAt };
  }

  async takeSignals(id: string, to: ResumeSide): Promise<TakeResumeSignalsResult> {
    const box = this.#live(id);
    if (typeof box !== 'object') return { status: box ?? 'missing' };
    const side = box.sides[to];
    const signals = side.signals;
    side.signals = [];
    return { status: 'live', signals, expiresAt: box.expiresAt };
  }

  onSignal(id: string, to: ResumeSide, listener: () => void): () => void {
    const event = `${id}:${to}`;
    this.#events.on(event, listener);
    return () => this.#events.off(event, listener);
  }

  async count(): Promise<number> {
    this.#sweep();
    return this.#boxes.size;
  }

  async close(): Promise<void> {
    this.#events.removeAllListeners();
  }

  /** The live box, `expired` while its tombstone lives, or undefined. */
  #live(id: string): LiveBox | 'expired' | undefined {
    const now = this.#now();
    const box = this.#boxes.get(id);
    if (box) {
      if (box.expiresAt > now) return box;
      this.#expire(id, box);
      return 'expired';
    }
    const forgetAt = this.#tombstones.get(id);
    if (forgetAt === undefined) return undefined;
    if (forgetAt > now) return 'expired';
    this.#tombstones.delete(id);
    return undefined;
  }

  #expire(id: string, box: LiveBox): void {
    this.#boxes.delete(id);
    this.#tombstones.set(id, box.expiresAt + this.#tombstoneTtlMs);
    // Maps iterate in insertion order: the oldest tombstones go first.
    for (const key of this.#tombstones.keys()) {
      if (this.#tombstones.size <= this.#maxBoxes * 10) break;
      this.#tombstones.delete(key);
    }
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, box] of this.#boxes) if (box.expiresAt <= now) this.#expire(id, box);
    for (const [id, forgetAt] of this.#tombstones) {
      if (forgetAt <= now) this.#tombstones.delete(id);
    }
  }
}

/** What a caller gets is its own: the box keeps its signals until they are acknowledged. */
function copies(signals: NumberedResumeSignal[]): NumberedResumeSignal[] {
  return signals.map(({ seq, sealed }) => ({ seq, sealed: sealed.slice() }));
}
