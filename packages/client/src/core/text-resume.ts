import { ConnectError } from '../errors.ts';
import { isTransferKey, newTransferKey } from './messenger-wire.ts';

/** Unacknowledged chat texts kept for the next connection; older ones beyond this are dropped. */
export const MAX_UNACKED_TEXTS = 1000;

/**
 * What a page keeps of its chat's resume state to go on after a reload (`FileResume`'s
 * `texts` option, told by its `texts` event): plain JSON. It holds the texts the peer has not
 * acknowledged, so keep it where the chat itself is kept (session storage on a page).
 */
export interface KeptTexts {
  /** This side's run of numbers, and the number its next text gets. */
  stream: string;
  next: number;
  /** Sent and not acknowledged yet, oldest first. */
  unacked: { n: number; text: string }[];
  /** The peer acknowledged a text in this session (it speaks this wire). */
  peerAcks: boolean;
  /** The peer's run of numbers, and the highest number shown of it (every one below too). */
  peerStream?: string;
  peerShown: number;
}

/** What to do with an incoming numbered text: show these (in order), acknowledge up to `ack`. */
export interface TextArrival {
  show: string[];
  ack: number;
}

/**
 * The chat's half of a session's resume state (held by `FileResume.texts`), both directions:
 * what this side sent that the peer has not acknowledged yet, and what it received. A text
 * sent on a connection that died before delivering it (the other side kept sending to an old
 * address while both still showed connected) is sent again on the next one; a text that comes
 * before an older one still missing waits for it, so the chat shows every text once, in order.
 */
export class TextResume {
  /**
   * Names this side's run of numbers: a page reloaded without its kept state starts a new one
   * at 1, which the peer's receiving side must not drop as already seen.
   */
  readonly stream: string;
  #next = 1;
  readonly unacked: { n: number; text: string }[] = [];
  /** The peer's run of numbers, the highest shown from it (all below it too), and those early. */
  #peerStream: string | undefined;
  #peerShown = 0;
  readonly #early = new Map<number, string>();
  /**
   * The peer acknowledged a text in this session: it speaks this wire, so texts are sent to it
   * again (a peer of the older wire never acknowledges, and would show them twice).
   */
  peerAcks = false;
  /** Told after every change of what `kept()` returns. */
  onChange: (() => void) | undefined;

  constructor(kept?: KeptTexts) {
    if (kept === undefined) {
      this.stream = newTransferKey();
      return;
    }
    checkKept(kept);
    this.stream = kept.stream;
    this.#next = kept.next;
    this.unacked.push(...kept.unacked.map(({ n, text }) => ({ n, text })));
    this.peerAcks = kept.peerAcks;
    this.#peerStream = kept.peerStream;
    this.#peerShown = kept.peerShown;
  }

  /** The number the next outgoing text gets. */
  get nextNumber(): number {
    return this.#next;
  }

  /**
   * The lowest number this side will still send again, when lower than `n`: the peer must show
   * those first. Absent (undefined) when `n` is the oldest held.
   */
  oldestBefore(n: number): number | undefined {
    const oldest = this.unacked[0]?.n ?? n;
    return oldest < n ? oldest : undefined;
  }

  /** Numbers an outgoing text (`nextNumber`) and keeps it until the peer acknowledges it. */
  sent(text: string): number {
    const n = this.#next++;
    this.unacked.push({ n, text });
    if (this.unacked.length > MAX_UNACKED_TEXTS) this.unacked.shift();
    this.onChange?.();
    return n;
  }

  /** The peer has every text of ours up to `n` (0: none yet, but it speaks this wire). */
  acknowledged(stream: string, n: number): void {
    if (stream !== this.stream) return;
    const changed = !this.peerAcks;
    this.peerAcks = true;
    let drop = 0;
    while (drop < this.unacked.length && (this.unacked[drop]?.n ?? 0) <= n) drop++;
    this.unacked.splice(0, drop);
    if (changed || drop > 0) this.onChange?.();
  }

  /**
   * An incoming text `n` of run `stream`; `oldest` is the lowest number the sender still
   * holds unacknowledged (absent: `n` itself). Texts are shown in their sender's order: one
   * that comes before an older one still missing waits for it, one already shown is dropped.
   */
  received(stream: string, n: number, text: string, oldest = n): TextArrival {
    const show: string[] = [];
    if (stream !== this.#peerStream) {
      // A run new here: it starts at the oldest text its sender still holds.
      this.#peerStream = stream;
      this.#peerShown = oldest - 1;
      this.#early.clear();
    } else if (oldest - 1 > this.#peerShown) {
      // The sender will never send those below `oldest` again (dropped past its bound, or
      // acknowledged to a page of this side that forgot it): go on without them.
      for (const number of [...this.#early.keys()].sort((x, y) => x - y)) {
        if (number >= oldest) break;
        show.push(this.#early.get(number) ?? '');
        this.#early.delete(number);
      }
      this.#peerShown = oldest - 1;
    }
    if (n > this.#peerShown && !this.#early.has(n)) this.#early.set(n, text);
    for (let next = this.#early.get(this.#peerShown + 1); next !== undefined; ) {
      this.#early.delete(++this.#peerShown);
      show.push(next);
      next = this.#early.get(this.#peerShown + 1);
    }
    // A peer that keeps sending past a gap it never fills: show in order what came, bounded.
    if (this.#early.size > MAX_UNACKED_TEXTS) {
      const numbers = [...this.#early.keys()].sort((x, y) => x - y);
      for (const number of numbers.slice(0, this.#early.size - MAX_UNACKED_TEXTS)) {
        show.push(this.#early.get(number) ?? '');
        this.#early.delete(number);
        this.#peerShown = number;
      }
    }
    if (show.length > 0) this.onChange?.();
    return { show, ack: this.#peerShown };
  }

  /** What a reloaded page gives back (`FileResume`'s `texts` option) to go on where this is. */
  kept(): KeptTexts {
    const kept: KeptTexts = {
      stream: this.stream,
      next: this.#next,
      unacked: this.unacked.map(({ n, text }) => ({ n, text })),
      peerAcks: this.peerAcks,
      peerShown: this.#peerShown,
    };
    if (this.#peerStream !== undefined) kept.peerStream = this.#peerStream;
    return kept;
  }

  /** The session ended: nothing is sent again. */
  clear(): void {
    this.unacked.length = 0;
    this.#early.clear();
    this.onChange?.();
  }
}

function checkKept(kept: KeptTexts): void {
  const count = (value: unknown, least: number) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= least;
  const ok =
    typeof kept === 'object' &&
    kept !== null &&
    isTransferKey(kept.stream) &&
    count(kept.next, 1) &&
    Array.isArray(kept.unacked) &&
    kept.unacked.length <= MAX_UNACKED_TEXTS &&
    kept.unacked.every(
      (entry, i, all) =>
        typeof entry?.text === 'string' &&
        count(entry.n, 1) &&
        entry.n < kept.next &&
        (i === 0 || entry.n > (all[i - 1]?.n ?? 0)),
    ) &&
    typeof kept.peerAcks === 'boolean' &&
    (kept.peerStream === undefined || isTransferKey(kept.peerStream)) &&
    count(kept.peerShown, 0);
  if (!ok) throw new ConnectError('ERR_INVALID_ARGUMENT', 'not the kept state of chat texts');
}
