import { broadcasterAlias, clientId, type RoomView } from '@webrtc-connect/protocol';
import {
  type DeviceBinding,
  draftOf,
  type RoomDraft,
  type RoomMember,
  type RoomState,
} from './room-store.ts';

/**
 * The rules of a room, as pure functions from one room value to the next: who gets which id,
 * who is broadcaster, when the epoch grows. The room logic runs them between a read and a
 * compare-and-swap, so every store applies the same rules atomically.
 */

/** One empty array for every room (the rules never change an array; they make new ones). */
const NONE: readonly string[] = Object.freeze([]);

const EMPTY: RoomDraft = {
  epoch: 0,
  broadcaster: null,
  members: [],
  nextClient: 1,
  unreachable: NONE,
};

export interface Joined {
  id: string;
  next: RoomDraft;
  /** The device key's id was held by another socket, which is no longer the member. */
  replaced: boolean;
}

/** A device key proved by a joining device, and how long its id is kept once it is gone. */
export interface ProvedKey {
  /** The key's thumbprint. */
  key: string;
  keepMs: number;
}

/**
 * A device joins: the id its proved key had, when the room keeps one (taken over from an older
 * socket still holding it, which leaves first, broadcaster or not), else the next id;
 * broadcaster if the room had none. `full` at the limit.
 */
export function joinRoom(
  state: RoomState | undefined,
  user: string,
  device: {
    joinedAt: number;
    instance: string;
    maxDevices: number;
    connection?: string;
    proved?: ProvedKey;
  },
): Joined | 'full' {
  const { joinedAt, proved } = device;
  const now = joinedAt;
  let room: RoomDraft = state ? withLiveDevices(state, now) : EMPTY;
  const kept = proved && room.devices?.find((binding) => binding.key === proved.key);
  let replaced = false;
  if (kept && room.members.some((member) => member.id === kept.id)) {
    replaced = true;
    room = leaveRoom({ ...room, version: 0 }, kept.id, { now }) ?? emptyKeeping(room);
  }
  if (room.members.length >= device.maxDevices) return 'full';
  const id = kept ? kept.id : clientId(user, room.nextClient);
  const member: RoomMember = {
    id,
    joinedAt,
    instance: device.instance,
    passedOver: false,
    ...(device.connection === undefined ? {} : { connection: device.connection }),
  };
  let devices = room.devices ?? NONE_BOUND;
  if (proved) {
    const binding: DeviceBinding = { key: proved.key, id, until: now + proved.keepMs };
    devices = devices.filter((other) => other.key !== proved.key).concat(binding);
    devices = capped(devices, room.members.concat(member), device.maxDevices * 2);
  }
  const next: RoomDraft = {
    ...draftOf(room),
    members: room.members.concat(member),
    nextClient: kept ? room.nextClient : room.nextClient + 1,
    devices,
  };
  return { id, next: next.broadcaster === null ? promote(next, id) : next, replaced };
}

/** How a device went, for its key's id: when, and whether to forget it (a clean leave of a key not to be seen again). */
export interface Departure {
  now: number;
  /** Only the member of this socket (another may hold its id since). */
  connection?: string;
  forget?: boolean;
}

/**
 * A device is gone (left, closed, crashed or silent). A broadcaster is replaced by the longest
 * connected device; someone else's leaving may complete a majority of unreachable reports.
 * Its key's id is kept `keepMs` from now (`departure` given), or forgotten. Null when the room
 * is now empty and keeps no device's id; undefined when the device was not in it.
 */
export function leaveRoom(
  state: RoomState,
  id: string,
  departure?: Departure,
): RoomDraft | null | undefined {
  const leaving = state.members.find((member) => member.id === id);
  if (!leaving) return undefined;
  if (
    departure?.connection !== undefined &&
    leaving.connection !== undefined &&
    leaving.connection !== departure.connection
  ) {
    return undefined;
  }
  const members = exact(state.members.filter((member) => member.id !== id));
  let devices = state.devices ?? NONE_BOUND;
  if (departure) {
    devices = departure.forget
      ? devices.filter((binding) => binding.id !== id)
      : devices.map((binding) =>
          binding.id === id
            ? { ...binding, until: departure.now + keepOf(binding, state) }
            : binding,
        );
    devices = devices.filter(
      (binding) => binding.until > departure.now || members.some((m) => m.id === binding.id),
    );
  }
  if (members.length === 0) {
    return devices.length === 0
      ? null
      : { ...draftOf(state), broadcaster: null, members, unreachable: NONE, devices };
  }
  const next = {
    ...draftOf(state),
    members,
    unreachable: exact(state.unreachable.filter((reporter) => reporter !== id)),
    devices: exact([...devices]),
  };
  if (state.broadcaster === id) return promote(next, choose(members));
  return unreachableMajority(next) ? replaceUnreachable(next) : next;
}

export type ReportOutcome =
  | { status: 'stale' | 'self' | 'repeated' }
  | { status: 'counted' | 'replaced'; next: RoomDraft };

/**
 * `reporter` cannot reach the broadcaster `peer` in `epoch`. When a majority of the other
 * devices (at least one) has said so in this epoch, the broadcaster is replaced by the longest
 * connected other device and stays in the room as a client, promoted last from then on.
 */
export function reportUnreachable(
  state: RoomState,
  user: string,
  reporter: string,
  report: { peer: string; epoch: number },
): ReportOutcome {
  const names = report.peer === state.broadcaster || report.peer === broadcasterAlias(user);
  if (report.epoch !== state.epoch || !names) return { status: 'stale' };
  if (reporter === state.broadcaster) return { status: 'self' };
  if (state.unreachable.includes(reporter)) return { status: 'repeated' };
  const next = { ...draftOf(state), unreachable: state.unreachable.concat(reporter) };
  return unreachableMajority(next)
    ? { status: 'replaced', next: replaceUnreachable(next) }
    : { status: 'counted', next };
}

/** The room as its devices see it. */
export function viewOf(state: RoomDraft | null | undefined): RoomView {
  if (!state) return { epoch: 0, broadcaster: null, members: [] };
  return {
    epoch: state.epoch,
    broadcaster: state.broadcaster,
    members: state.members.map((member) => ({
      id: member.id,
      joinedAt: new Date(member.joinedAt).toISOString(),
      role: member.id === state.broadcaster ? 'broadcaster' : 'client',
    })),
  };
}

/** Whether devices would see no difference between two values of a room. */
export function sameView(a: RoomDraft, b: RoomDraft): boolean {
  return (
    a.epoch === b.epoch &&
    a.broadcaster === b.broadcaster &&
    a.members.length === b.members.length &&
    // A device that took its id over from an older socket is a new member under the same id.
    a.members.every(
      (member, i) => member.id === b.members[i]?.id && member.joinedAt === b.members[i]?.joinedAt,
    )
  );
}

/**
 * The same items in an array of their exact length: a room's arrays live as long as the room,
 * and `filter` leaves room to grow (a server holds one room per signed-in user).
 */
function exact<T>(items: T[]): readonly T[] {
  return items.length === 0 ? (NONE as readonly T[]) : items.slice();
}

const NONE_BOUND: readonly DeviceBinding[] = Object.freeze([]);

/** A room emptied by a takeover keeps its counters and keys: only its members went. */
function emptyKeeping(room: RoomDraft): RoomDraft {
  return { ...draftOf(room), broadcaster: null, members: [], unreachable: NONE };
}

/** The room without the keys of devices gone longer than they are kept. */
function withLiveDevices(state: RoomState, now: number): RoomDraft {
  const devices = state.devices ?? NONE_BOUND;
  const live = devices.filter(
    (binding) => binding.until > now || state.members.some((member) => member.id === binding.id),
  );
  return live.length === devices.length ? state : { ...draftOf(state), devices: exact(live) };
}

/**
 * How long a binding is kept after its device goes: its time was set at the join as the join's
 * time plus the keep, and the join's time is the member's.
 */
function keepOf(binding: DeviceBinding, state: RoomDraft): number {
  const member = state.members.find((candidate) => candidate.id === binding.id);
  return member ? Math.max(0, binding.until - member.joinedAt) : 0;
}

/**
 * At most `max` keys: the members' first, then those kept longest. A user's keys are bounded
 * however many devices come and go (a server holds one room per signed-in user).
 */
function capped(
  devices: readonly DeviceBinding[],
  members: readonly RoomMember[],
  max: number,
): readonly DeviceBinding[] {
  if (devices.length <= max) return devices;
  const present = (binding: DeviceBinding) => members.some((member) => member.id === binding.id);
  return [...devices]
    .sort((a, b) => Number(present(b)) - Number(present(a)) || b.until - a.until)
    .slice(0, max);
}

/** `id` becomes broadcaster: a new epoch, with no reports yet. */
function promote(room: RoomDraft, id: string): RoomDraft {
  return {
    ...room,
    epoch: room.epoch + 1,
    broadcaster: id,
    members: room.members.map((member) =>
      member.id === id && member.passedOver ? { ...member, passedOver: false } : member,
    ),
    unreachable: NONE,
  };
}

/** The longest-connected member, preferring those never found unreachable as broadcaster. */
function choose(members: readonly RoomMember[]): string {
  const member = members.find((candidate) => !candidate.passedOver) ?? members[0];
  if (!member) throw new Error('no member to promote');
  return member.id;
}

function unreachableMajority(room: RoomDraft): boolean {
  const others = room.members.length - 1;
  const reports = room.unreachable.filter(
    (reporter) =>
      reporter !== room.broadcaster && room.members.some((member) => member.id === reporter),
  ).length;
  return others >= 1 && reports * 2 > others;
}

function replaceUnreachable(room: RoomDraft): RoomDraft {
  const old = room.broadcaster;
  const members = room.members.map((member) =>
    member.id === old ? { ...member, passedOver: true } : member,
  );
  const candidates = members.filter((member) => member.id !== old);
  return promote({ ...room, members }, choose(candidates));
}
