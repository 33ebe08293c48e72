import { leaveRoom } from './room-rules.ts';
import { draftOf, type RoomDraft, type RoomMember, type RoomState } from './room-store.ts';

/**
 * The rules for rooms shared by several instances, as pure functions like room-rules.ts: an
 * instance that died loses its members; an instance that comes back from a store outage puts
 * its devices back, with the ids they have.
 */

/** Every member on `instance` leaves, as one change. Undefined when it had none. */
export function withoutInstance(
  state: RoomState,
  instance: string,
  now?: number,
): RoomDraft | null | undefined {
  let room: RoomState | null = state;
  for (const member of state.members) {
    if (member.instance !== instance || room === null) continue;
    // Its devices come back through other instances: their keys keep their ids.
    const next = leaveRoom(room, member.id, now === undefined ? undefined : { now });
    if (next === undefined) continue;
    room = next === null ? null : { ...next, version: state.version };
  }
  if (room === state) return undefined;
  return room === null ? null : draftOf(room);
}

export interface Reconciled {
  /** The room to swap in; undefined when it is right already. */
  next: RoomDraft | null | undefined;
  /** Local devices whose id another device holds now (a device that joined while the store was empty): they must join again. */
  lost: string[];
}

/**
 * After a store outage: the room as the store has it (`current`, undefined if the store lost
 * it), made to hold exactly this instance's devices `local` among its members of `instance`.
 * `known` is the last value this instance saw, so the epoch never goes back: a room made anew
 * keeps its broadcaster and epoch when the broadcaster is here, and otherwise promotes the
 * longest-connected device with the next epoch.
 */
export function reconcileRoom(
  current: RoomState | undefined,
  instance: string,
  local: readonly RoomMember[],
  known: RoomDraft | null | undefined,
): Reconciled {
  const here = new Set(local.map((member) => member.id));
  // Members of this instance whose devices left while the store was unreachable.
  let room: RoomState | undefined = current;
  let changed = false;
  for (const member of current?.members ?? []) {
    if (member.instance !== instance || here.has(member.id) || room === undefined) continue;
    const next = leaveRoom(room, member.id);
    if (next === undefined) continue;
    changed = true;
    room = next === null ? undefined : { ...next, version: current?.version ?? 0 };
  }
  const lost: string[] = [];
  const missing: RoomMember[] = [];
  for (const member of local) {
    const holder = room?.members.find((other) => other.id === member.id);
    if (!holder) missing.push(member);
    else if (holder.instance !== instance) lost.push(member.id);
  }
  if (missing.length === 0) {
    return { next: changed ? (room === undefined ? null : draftOf(room)) : undefined, lost };
  }
  const knownEpoch = known?.epoch ?? 0;
  if (room === undefined) {
    // The store lost the room: the first instance back puts it back as it last saw it, other
    // instances' members included (their instances fix what changed, or are found dead), so
    // the broadcaster and its epoch stay and nobody has to reconnect.
    const kept = (current === undefined ? (known?.members ?? []) : []).filter(
      (member) => member.instance !== instance || here.has(member.id),
    );
    const keptIds = new Set(kept.map((member) => member.id));
    const members = [...kept, ...local.filter((member) => !keptIds.has(member.id))].sort(
      (a, b) => a.joinedAt - b.joinedAt,
    );
    const nextClient = nextClientOf(members, known?.nextClient);
    const keeps =
      known?.broadcaster && members.some((member) => member.id === known.broadcaster)
        ? known.broadcaster
        : null;
    const broadcaster =
      keeps ?? (members.find((member) => !member.passedOver) ?? members[0])?.id ?? null;
    return {
      next: {
        epoch: keeps ? knownEpoch : knownEpoch + 1,
        broadcaster,
        members: members.map((member) =>
          member.id === broadcaster ? { ...member, passedOver: false } : member,
        ),
        nextClient,
        unreachable: [],
        devices: known?.devices ?? [],
      },
      lost,
    };
  }
  const members = [...room.members, ...missing].sort((a, b) => a.joinedAt - b.joinedAt);
  const nextClient = nextClientOf(members, Math.max(room.nextClient, known?.nextClient ?? 1));
  // Made anew by another instance that had seen less: the epoch must still pass ours.
  const behind =
    knownEpoch > room.epoch ||
    (knownEpoch === room.epoch && known?.broadcaster !== room.broadcaster);
  return {
    next: {
      ...draftOf(room),
      epoch: behind ? knownEpoch + 1 : room.epoch,
      unreachable: behind ? [] : room.unreachable,
      members,
      nextClient,
    },
    lost,
  };
}

/** Past every id in use and every id handed out before, so no id is given twice. */
function nextClientOf(members: readonly RoomMember[], before = 1): number {
  return Math.max(before, ...members.map((member) => clientNumber(member.id) + 1));
}

/** n of `<user>-client-<n>`. */
function clientNumber(id: string): number {
  const match = /-client-(\d+)$/.exec(id);
  return match ? Number(match[1]) : 0;
}
