import { ServerError } from '../errors.ts';

/** What ends a wait early: the response (its `close` event means the client went away). */
export interface Closable {
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** What one long-poll waits for: a look at the store, and the store event that asks for another. */
export interface WaitTarget<T> {
  /** Calls `wake` whenever the store may hold the outcome now; returns the unsubscribe. */
  subscribe(wake: () => void): () => void;
  /** One look: the outcome, or `undefined` while there is none yet. */
  look(): Promise<T | undefined>;
}

/**
 * Held GETs: B waiting for a reserved offer's blob, A waiting for its reply. Each waits for one
 * event, so a stream (SSE, WebSocket) would buy nothing; a GET works with bare `fetch` in
 * browsers and Node, through every proxy and CDN, with no protocol beyond HTTP, and a client
 * that misses the answer just asks again. Both waits share this one limit and shutdown.
 */
export class LongPollWaiters {
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
   * Resolves with the target's outcome as soon as a look finds one, or with `undefined` when
   * `waitMs` pass, the connection closes, `end` aborts (as when time is up: a look in flight
   * still answers), or the server shuts down. The caller has checked who may wait.
   */
  wait<T>(
    target: WaitTarget<T>,
    waitMs: number,
    connection: Closable,
    end?: AbortSignal,
  ): Promise<T | undefined> {
    if (this.#active.size >= this.#max) {
      throw new ServerError('ERR_TOO_MANY_WAITERS', 'too many requests are waiting', {
        retryAfterSeconds: 5,
      });
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      // One look at a time: a look takes what it finds (a reply, a resume box's signals), so a
      // second look in flight when the first settles would take and drop what came meanwhile.
      // A wake during a look asks for one more look after it instead.
      let looking = false;
      let lookAgain = false;
      let timedOut = this.#closed;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        connection.off('close', stop);
        end?.removeEventListener('abort', timeUp);
        this.#active.delete(timeUp);
        outcome();
      };
      const stop = () => settle(() => resolve(undefined));
      // A look in flight may take something (a reply is read once): let it finish, not drop it.
      const timeUp = () => {
        timedOut = true;
        if (!looking) stop();
      };
      const look = () => {
        if (settled) return;
        if (looking) {
          lookAgain = true;
          return;
        }
        looking = true;
        lookAgain = false;
        target.look().then(
          (found) => {
            looking = false;
            if (found !== undefined) settle(() => resolve(found));
            // What came after the time is up stays in the store for the next poll.
            else if (timedOut) stop();
            else if (lookAgain) look();
          },
          (error: unknown) => settle(() => reject(error)),
        );
      };
      // Subscribe before the first look, so an event in between still wakes us.
      const unsubscribe = target.subscribe(look);
      const timer = setTimeout(timeUp, waitMs);
      connection.once('close', stop);
      this.#active.add(timeUp);
      end?.addEventListener('abort', timeUp);
      look();
      if (end?.aborted) timeUp();
    });
  }

  /** Ends every wait (each answers 204) and every later one at once: the server is closing. */
  close(): void {
    this.#closed = true;
    for (const end of this.#active) end();
  }
}
