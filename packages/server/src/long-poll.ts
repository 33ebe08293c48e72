import { ServerError } from './errors.ts';
import type { MailboxStore, TakeOwnReplyResult } from './store/mailbox-store.ts';

/** What ends a wait early: the response (its `close` event means the client went away). */
export interface Closable {
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/**
 * An offer's owner waits for its reply by long-poll: one plain GET the server holds until the
 * reply is stored or the wait ends. A reply is a single event, so a stream (SSE, WebSocket)
 * would buy nothing; a GET works with bare `fetch` in browsers and Node, through every proxy
 * and CDN, with no protocol beyond HTTP, and a client that misses the answer just asks again.
 */
export class ReplyWaiters {
  readonly #max: number;
  /** Each waiter's "stop waiting now" (for shutdown). */
  readonly #active = new Set<() => void>();
  #closed = false;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#active.size;
  }

  /**
   * Takes the offer's reply as soon as it is stored, or resolves `pending` when `waitMs` pass,
   * the connection closes, or the server shuts down. The caller has checked the owner.
   */
  wait(
    store: MailboxStore,
    offerId: string,
    waitMs: number,
    connection: Closable,
  ): Promise<TakeOwnReplyResult> {
    if (this.#active.size >= this.#max) {
      throw new ServerError('ERR_TOO_MANY_WAITERS', 'too many requests are waiting for replies', {
        retryAfterSeconds: 5,
      });
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      let checks = 0;
      let timedOut = this.#closed;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        connection.off('close', stop);
        this.#active.delete(timeUp);
        outcome();
      };
      const stop = () => settle(() => resolve({ status: 'pending' }));
      // A take in flight may return the reply: let it finish rather than drop what it took.
      const timeUp = () => {
        timedOut = true;
        if (checks === 0) stop();
      };
      const check = () => {
        if (settled) return;
        checks += 1;
        store.takeReplyForOffer(offerId).then(
          (result) => {
            checks -= 1;
            if (result.status !== 'pending') settle(() => resolve(result));
            else if (timedOut && checks === 0) stop();
          },
          (error: unknown) => settle(() => reject(error)),
        );
      };
      // Subscribe before the first look, so a reply stored in between still wakes us.
      const unsubscribe = store.onReply(offerId, check);
      const timer = setTimeout(timeUp, waitMs);
      connection.once('close', stop);
      this.#active.add(timeUp);
      check();
    });
  }

  /** Ends every wait (each answers 204) and every later one at once: the server is closing. */
  close(): void {
    this.#closed = true;
    for (const end of this.#active) end();
  }
}
