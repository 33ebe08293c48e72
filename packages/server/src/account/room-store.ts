/**
 * Where account rooms live. A room is one small value (its members, broadcaster and epoch)
 * under its key, changed only by compare-and-swap: the room logic reads it, computes the next
 * value with the pure rules of room-rules.ts, and swaps it in if nobody changed it meanwhile.
 * So membership, the broadcaster lease and the epoch always change together, in one atomic
 * step: one assignment in memory, one Lua script on Redis, where several instances can never
 * both promote a broadcaster for the same version.
 *
 * Every successful swap is announced to the room's subscribers (`state` events), in order;
 * signals between devices travel the same way (`signal` events), so devices whose sockets
 * sit on different instances reach each other: an EventEmitter in memory, pub/sub on Redis.
 */
export interface RoomStore {
  /** Shown in logs and health ("memory", "redis"). */
  readonly kind: string;
  /** The room's current value, or undefined when it has no members. */
  read(room: string): Promise<RoomState | undefined>;
  /**
   * Replaces the room's value with `next` (null deletes the room) if its version is still
   * `expectedVersion` (null: the room must not exist), gives it a fresh version, and announces
   * it. Resolves with the stored value (null when deleted), or `conflict`: read and try again.
   */
  swap(
    room: string,
    expectedVersion: number | null,
    next: RoomDraft | null,
  ): Promise<RoomState | null | 'conflict'>;
  /**
   * Sends a signal to the room's subscribers, wherever they are; given the instance that holds
   * the receiver's socket, a shared store sends it to that instance alone.
   */
  publish(room: string, signal: SignalEvent, instance?: string): Promise<void>;
  /** Calls `listener` with every event of `room`, in order; returns the unsubscribe. */
  subscribe(room: string, listener: (event: RoomEvent) => void): () => void;
  /**
   * Shared stores only: keeps this instance known as alive to the others, and calls `hooks`
   * when another instance dies or when the store comes back after an outage. Returns the stop.
   */
  register?(hooks: InstanceHooks): () => void;
  close(): Promise<void>;
}

/** What a shared store asks of the room logic of one instance. */
export interface InstanceHooks {
  /** This instance's id, as in its members' records. */
  readonly instance: string;
  /**
   * `instance` stopped refreshing its liveness: take its members out of `rooms` (promoting a
   * new broadcaster where needed). Rejects to be asked again at the next check.
   */
  instanceGone(instance: string, rooms: readonly string[]): Promise<void>;
  /**
   * The store is reachable again after an outage, possibly empty (a restart without
   * persistence): put this instance's devices back and take out those that left meanwhile.
   * `rooms` are the rooms the store still lists for this instance.
   */
  reconnected(rooms: readonly string[]): Promise<void>;
}

/** A device in a room. Values are never changed in place: every change is a new value. */
export interface RoomMember {
  /** `<user>-client-<n>` */
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly joinedAt: number;
  /** The server instance holding the device's socket (for a shared store). */
  readonly instance: string;
  /** Was replaced as broadcaster because others could not reach it: promoted last. */
  readonly passedOver: boolean;
  /**
   * A random id of the socket holding the member: a device that proves its key again takes its
   * id over from an older socket, and the older one must tell that it is no longer the member.
   * (Absent from members stored before it was added.)
   */
  readonly connection?: string;
}

/** A device key's id in a room, kept while the device is a member and `keepMs` after. */
export interface DeviceBinding {
  /** The key's RFC 7638 thumbprint (SHA-256, base64url). */
  readonly key: string;
  /** `<user>-client-<n>` */
  readonly id: string;
  /** Milliseconds since the epoch: forgotten after this unless its id is a member. */
  readonly until: number;
}

export interface RoomState {
  /**
   * Drawn by the store at every swap, larger than every version before it in the whole store,
   * so a room deleted and made anew never repeats one (no ABA) and events can be ordered.
   */
  readonly version: number;
  /** Grows by one at every change of broadcaster. */
  readonly epoch: number;
  /** The client id holding `<user>-broadcaster`. */
  readonly broadcaster: string | null;
  /** In join order: the first is the longest connected. */
  readonly members: readonly RoomMember[];
  /** The n of the next `<user>-client-<n>`: ids are not reused while the room lives. */
  readonly nextClient: number;
  /** Members who reported the broadcaster unreachable in this epoch. */
  readonly unreachable: readonly string[];
  /**
   * Device keys and their ids. A room with none of its members left lives on while one is
   * kept, so a device that comes back gets its id, and no id is given to another device.
   * (Absent from rooms stored before it was added.)
   */
  readonly devices?: readonly DeviceBinding[];
}

export type RoomDraft = Omit<RoomState, 'version'>;

/**
 * A draft as the room value of `version`, always built in this one shape: a store holds one
 * room per signed-in user, and values spread from drafts of varying origin each got a hidden
 * class of their own in V8 (about 120 bytes a room).
 */
export function roomState(draft: RoomDraft, version: number): RoomState {
  return {
    version,
    epoch: draft.epoch,
    broadcaster: draft.broadcaster,
    members: draft.members,
    nextClient: draft.nextClient,
    unreachable: draft.unreachable,
    devices: draft.devices ?? NO_DEVICES,
  };
}

const NO_DEVICES: readonly DeviceBinding[] = Object.freeze([]);

/** The draft of a room value: every field but its version. */
export function draftOf(state: RoomDraft): RoomDraft {
  const { epoch, broadcaster, members, nextClient, unreachable, devices } = state;
  return { epoch, broadcaster, members, nextClient, unreachable, devices: devices ?? NO_DEVICES };
}

/**
 * Until when a store keeps a room with no members (its last device key's time), in
 * milliseconds since the epoch; undefined for a room with members, which lives while they do.
 */
export function keptUntil(draft: RoomDraft): number | undefined {
  if (draft.members.length > 0) return undefined;
  let until = 0;
  for (const binding of draft.devices ?? []) until = Math.max(until, binding.until);
  return until;
}

export type RoomEvent = StateEvent | SignalEvent;

export interface StateEvent {
  type: 'state';
  /** The room after a swap; null when it was deleted. */
  state: RoomState | null;
}

export interface SignalEvent {
  type: 'signal';
  from: string;
  to: string;
  epoch: number;
  /** The signal's data as JSON text, relayed as it came. */
  data: string;
}
