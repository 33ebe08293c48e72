/**
 * How many frames a socket may send: a token bucket refilled at `perSecond`, holding at most
 * two seconds' worth, so bursts (a broadcaster answering many devices after a failover) pass
 * and a steady flood does not.
 */
export class FrameAllowance {
  readonly #perSecond: number;
  #left: number;
  #at: number;

  constructor(perSecond: number, now: number) {
    this.#perSecond = perSecond;
    this.#left = perSecond * 2;
    this.#at = now;
  }

  /** Spends one frame's allowance; false when there is none left. */
  take(now: number): boolean {
    this.#left = Math.min(
      this.#perSecond * 2,
      this.#left + ((now - this.#at) * this.#perSecond) / 1000,
    );
    this.#at = now;
    if (this.#left < 1) return false;
    this.#left -= 1;
    return true;
  }
}
