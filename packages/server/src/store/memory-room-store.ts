import { EventEmitter } from 'node:events';
import type {
  RoomDraft,
  RoomEvent,
  RoomState,
  RoomStore,
  SignalEvent,
  StateEvent,
} from './room-store.ts';

/**
 * The default room store: one process. A swap is a synchronous check and assignment, so it is
 * atomic, and its event reaches subscribers before the swap resolves. Rooms are deleted when
 * their last member leaves, so the map holds at most one room per connected device.
 */
export class MemoryRoomStore implements RoomStore {
  readonly kind = 'memory';
  readonly #rooms = new Map<string, RoomState>();
  readonly #events = new EventEmitter();
  #version = 0;

  constructor() {
    // One listener per room with devices on this instance: many, and not a leak.
    this.#events.setMaxListeners(0);
  }

  async read(room: string): Promise<RoomState | undefined> {
    return this.#rooms.get(room);
  }

  async swap(
    room: string,
    expectedVersion: number | null,
    next: RoomDraft | null,
  ): Promise<RoomState | null | 'conflict'> {
    if ((this.#rooms.get(room)?.version ?? null) !== expectedVersion) return 'conflict';
    this.#version += 1;
    const state = next === null ? null : { ...next, version: this.#version };
    if (state === null) this.#rooms.delete(room);
    else this.#rooms.set(room, state);
    this.#events.emit(room, { type: 'state', state } satisfies StateEvent);
    return state;
  }

  async publish(room: string, signal: SignalEvent): Promise<void> {
    this.#events.emit(room, signal);
  }

  subscribe(room: string, listener: (event: RoomEvent) => void): () => void {
    this.#events.on(room, listener);
    return () => this.#events.off(room, listener);
  }

  /** Rooms with members right now. */
  get size(): number {
    return this.#rooms.size;
  }

  async close(): Promise<void> {
    this.#events.removeAllListeners();
    this.#rooms.clear();
  }
}
