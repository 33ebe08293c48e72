import { reportLater } from './messenger-types.ts';

/**
 * The one event emitter of the client (messenger, account session, link progress): typed by
 * an event map, `on` returns the function that removes the listener, and a listener that
 * throws is reported (as an uncaught error, later) while the others still run: an app's bug
 * must not stop the channel or socket handler that emits.
 */
export class Emitter<Events> {
  readonly #listeners = new Map<keyof Events, Set<(event: never) => void>>();

  on<K extends keyof Events>(type: K, listener: (event: Events[K]) => void): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set);
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        (listener as (value: Events[K]) => void)(event);
      } catch (error) {
        reportLater(error);
      }
    }
  }
}
