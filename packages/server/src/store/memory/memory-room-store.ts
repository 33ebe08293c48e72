import {
  keptUntil,
  type RoomDraft,
  type RoomEvent,
  type RoomState,
  type RoomStore,
  roomState,
  type SignalEvent,
  type StateEvent,
} from '../../account/room-store.ts';

type RoomListener = (event: RoomEvent) => void;

export interface MemoryRoomStoreOptions {
  /** Milliseconds since the epoch, for kept rooms' expiry; tests pass a fake to expire without waiting. */
  clock?: () => number;
}

/**
 * The default room store: one process. A swap is a synchronous check and assignment, so it is
 * atomic, and its event reaches subscribers before the swap resolves. A room is deleted when
 * its last member leaves, or, when device keys keep their ids, once the last key's time is
 * over: the map holds a room per user with a device connected or a key still kept. Expiry is
 * judged by `clock`, like the other memory stores: a timer drops the room, and a read or swap
 * after its time never sees it.
 */
export class MemoryRoomStore implements RoomStore {
  readonly kind = 'memory';
  readonly #rooms = new Map<string, RoomState>();
  /** Per room, its listeners (usually one: the instance's room logic), in a Map kept small. */
  readonly #listeners = new Map<string, readonly RoomListener[]>();
  #version = 0;
  /** Rooms with no members that keep device keys' ids: deleted when the last one expires. */
  readonly #expiries = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #now: () => number;

  constructor(options: MemoryRoomStoreOptions = {}) {
    this.#now = options.clock ?? Date.now;
  }

  async read(room: string): Promise<RoomState | undefined> {
    return this.#live(room);
  }

  async swap(
    room: string,
    expectedVersion: number | null,
    next: RoomDraft | null,
  ): Promise<RoomState | null | 'conflict'> {
    if ((this.#live(room)?.version ?? null) !== expectedVersion) return 'conflict';
    this.#version += 1;
    const state = next === null ? null : roomState(next, this.#version);
    if (state === null) this.#rooms.delete(room);
    else this.#rooms.set(room, state);
    this.#expireLater(room, state);
    this.#emit(room, { type: 'state', state } satisfies StateEvent);
    return state;
  }

  /** The room, unless it is kept for device keys whose time is over (then it goes now). */
  #live(room: string): RoomState | undefined {
    const state = this.#rooms.get(room);
    const until = state === undefined ? undefined : keptUntil(state);
    if (until === undefined || until > this.#now()) return state;
    this.#expire(room);
    return undefined;
  }

  #expire(room: string): void {
    clearTimeout(this.#expiries.get(room));
    this.#expiries.delete(room);
    this.#rooms.delete(room);
    this.#emit(room, { type: 'state', state: null } satisfies StateEvent);
  }

  #expireLater(room: string, state: RoomState | null): void {
    clearTimeout(this.#expiries.get(room));
    this.#expiries.delete(room);
    const until = state === null ? undefined : keptUntil(state);
    if (until === undefined || state === null) return;
    const timer = setTimeout(
      () => {
        this.#expiries.delete(room);
        if (this.#rooms.get(room)?.version !== state.version) return;
        // The clock decides: a timer that fired before the clock says so waits again.
        if (this.#live(room) !== undefined) this.#expireLater(room, state);
      },
      // setTimeout's longest wait is about 24.8 days.
      Math.min(2 ** 31 - 1, Math.max(0, until - this.#now())),
    );
    timer.unref?.();
    this.#expiries.set(room, timer);
  }

  async publish(room: string, signal: SignalEvent): Promise<void> {
    this.#emit(room, signal);
  }

  subscribe(room: string, listener: RoomListener): () => void {
    this.#listeners.set(room, (this.#listeners.get(room) ?? []).concat(listener));
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const others = this.#listeners.get(room)?.filter((other) => other !== listener) ?? [];
      if (others.length === 0) this.#listeners.delete(room);
      else this.#listeners.set(room, others);
    };
  }

  #emit(room: string, event: RoomEvent): void {
    // The array is replaced, never changed, so a listener that unsubscribes during the event
    // does not disturb this loop.
    for (const listener of this.#listeners.get(room) ?? []) listener(event);
  }

  /** Rooms with members right now, or keeping device keys' ids. */
  get size(): number {
    return this.#rooms.size;
  }

  async close(): Promise<void> {
    for (const timer of this.#expiries.values()) clearTimeout(timer);
    this.#expiries.clear();
    this.#listeners.clear();
    this.#rooms.clear();
  }
}
