import { broadcasterAlias, clientId, type RoomView } from '@webrtc-connect/protocol';
import type { RoomDraft, RoomMember, RoomState } from './room-store.ts';

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
}

/** A new device joins: the next id; broadcaster if the room had none. `full` at the limit. */
export function joinRoom(
  state: RoomState | undefined,
  user: string,
  device: { joinedAt: number; instance: string; maxDevices: number },
): Joined | 'full' {
  const room = state ?? EMPTY;
  if (room.members.length >= device.maxDevices) return 'full';
  const id = clientId(user, room.nextClient);
  const member: RoomMember = {
    id,
    joinedAt: device.joinedAt,
    instance: device.instance,
    passedOver: false,
  };
  const next = {
    ...draftOf(room),
    members: room.members.concat(member),
    nextClient: room.nextClient + 1,
  };
  return { id, next: room.broadcaster === null ? promote(next, id) : next };
}

/**
 * A device is gone (left, closed, crashed or silent). A broadcaster is replaced by the longest
 * connected device; someone else's leaving may complete a majority of unreachable reports.
 * Null when the room is now empty; undefined when the device was not in it.
 */
export function leaveRoom(state: RoomState, id: string): RoomDraft | null | undefined {
  if (!state.members.some((member) => member.id === id)) return undefined;
  const members = exact(state.members.filter((member) => member.id !== id));
  if (members.length === 0) return null;
  const next = {
    ...draftOf(state),
    members,
    unreachable: exact(state.unreachable.filter((reporter) => reporter !== id)),
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
    a.members.every((member, i) => member.id === b.members[i]?.id)
  );
}

/**
 * The same items in an array of their exact length: a room's arrays live as long as the room,
 * and `filter` leaves room to grow (a server holds one room per signed-in user).
 */
function exact<T>(items: T[]): readonly T[] {
  return items.length === 0 ? (NONE as readonly T[]) : items.slice();
}

function draftOf(state: RoomDraft): RoomDraft {
  const { epoch, broadcaster, members, nextClient, unreachable } = state;
  return { epoch, broadcaster, members, nextClient, unreachable };
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
