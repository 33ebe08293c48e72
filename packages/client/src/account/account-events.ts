import { reportLater } from '../core/messenger-types.ts';
import type { AccountEvents } from './account-types.ts';

/** The session's listeners: a failing one is reported, and the others still run. */
export class AccountEmitter {
  readonly #listeners = new Map<keyof AccountEvents, Set<(event: never) => void>>();

  on<K extends keyof AccountEvents>(
    type: K,
    listener: (event: AccountEvents[K]) => void,
  ): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set);
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  emit<K extends keyof AccountEvents>(type: K, event: AccountEvents[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        (listener as (value: AccountEvents[K]) => void)(event);
      } catch (error) {
        reportLater(error);
      }
    }
  }
}
