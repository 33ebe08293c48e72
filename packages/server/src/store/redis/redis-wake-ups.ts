import { EventEmitter } from 'node:events';
import type { RedisLink } from './redis-link.ts';

/**
 * A store's wake-ups for its long-polls: its scripts publish an event name on one pub/sub
 * channel, and each instance hands it to its own waiters for that name.
 */
export class RedisWakeUps {
  /** The channel's full name, for the scripts that publish on it. */
  readonly channel: string;
  readonly #link: RedisLink;
  readonly #events = new EventEmitter();
  readonly #off: () => void;

  constructor(link: RedisLink, name: string) {
    this.#link = link;
    this.channel = link.key(name);
    this.#events.setMaxListeners(0);
    this.#off = link.subscribe(this.channel, (message) => {
      this.#events.emit(message.toString());
    }).off;
    // Wake-ups published while the link was down are lost: every waiter looks again.
    link.on('restored', this.#wakeAll);
  }

  /** Resolves once the channel is subscribed (ERR_STORE_UNAVAILABLE if that takes too long). */
  subscribed(): Promise<void> {
    return this.#link.subscribed(this.channel);
  }

  /** Calls `listener` on each wake-up named `event`; returns the unsubscribe. */
  on(event: string, listener: () => void): () => void {
    this.#events.on(event, listener);
    return () => this.#events.off(event, listener);
  }

  /** Stops listening; the link is closed by whoever made it. */
  close(): void {
    this.#off();
    this.#link.off('restored', this.#wakeAll);
    this.#events.removeAllListeners();
  }

  readonly #wakeAll = (): void => {
    for (const event of this.#events.eventNames()) this.#events.emit(event);
  };
}
