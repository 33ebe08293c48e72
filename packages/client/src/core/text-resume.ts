import { newTransferKey } from './messenger-wire.ts';

/** Unacknowledged chat texts kept for the next connection; older ones beyond this are dropped. */
export const MAX_UNACKED_TEXTS = 1000;

/**
 * The chat's half of a session's resume state (held by `FileResume.texts`), both directions:
 * what this side sent that the peer has not acknowledged yet, and the highest number it
 * received. A text sent on a connection that died before delivering it (the other side kept
 * sending to an old address while both still showed connected) is sent again on the next one.
 */
export class TextResume {
  /**
   * Names this side's run of numbers: a reloaded page starts a new one at 1, which the peer's
   * receiving side must not drop as already seen.
   */
  readonly stream = newTransferKey();
  #next = 1;
  readonly unacked: { n: number; text: string }[] = [];
  /** The peer's run of numbers and the highest received from it. */
  #peerStream: string | undefined;
  #peerHighest = 0;
  /**
   * The peer acknowledged a text in this session: it speaks this wire, so texts are sent to it
   * again (a peer of the older wire never acknowledges, and would show them twice).
   */
  peerAcks = false;

  /** The number the next outgoing text gets. */
  get nextNumber(): number {
    return this.#next;
  }

  /** Numbers an outgoing text (`nextNumber`) and keeps it until the peer acknowledges it. */
  sent(text: string): number {
    const n = this.#next++;
    this.unacked.push({ n, text });
    if (this.unacked.length > MAX_UNACKED_TEXTS) this.unacked.shift();
    return n;
  }

  /** The peer has every text of ours up to `n`. */
  acknowledged(stream: string, n: number): void {
    if (stream !== this.stream) return;
    this.peerAcks = true;
    let drop = 0;
    while (drop < this.unacked.length && (this.unacked[drop]?.n ?? 0) <= n) drop++;
    this.unacked.splice(0, drop);
  }

  /** Whether an incoming text is new (true) or one already shown, sent again (false). */
  received(stream: string, n: number): boolean {
    if (stream !== this.#peerStream) {
      this.#peerStream = stream;
      this.#peerHighest = n;
      return true;
    }
    if (n <= this.#peerHighest) return false;
    this.#peerHighest = n;
    return true;
  }

  /** The session ended: nothing is sent again. */
  clear(): void {
    this.unacked.length = 0;
  }
}
