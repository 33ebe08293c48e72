import { randomBytes } from 'node:crypto';
import { broadcasterAlias } from '@webrtc-connect/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { isServerError, ServerError } from '../errors.ts';
import { reconcileRoom, withoutInstance } from './room-recovery.ts';
import { joinRoom, leaveRoom, type ProvedKey, reportUnreachable, sameView } from './room-rules.ts';
import type {
  RoomDraft,
  RoomEvent,
  RoomMember,
  RoomState,
  RoomStore,
  SignalEvent,
} from './room-store.ts';
import type { VerifiedIdentity } from './token-verifier.ts';

/** What the rooms need of a device's socket on this instance. */
export interface RoomDevice {
  readonly id: string | undefined;
  readonly user: string | undefined;
  readonly room: string | undefined;
  /** A random id of this socket: tells it apart from a later socket of the same device. */
  readonly connection: string;
  /** Called once the device is in the room (before `join` resolves), with the room it joined. */
  joined(id: string, state: RoomState): void;
  /** Every later value of the room (null: the room is gone). */
  roomChanged(state: RoomState | null): void;
  /** A frame already serialised (a relayed signal). */
  sendText(text: string): void;
}

/** The devices of one room whose sockets are on this instance, and the room's latest value. */
interface LocalRoom {
  /**
   * Few (a user's devices on this instance), so an array, replaced rather than changed: a
   * server holds one of these per signed-in user, and a Map costs several times as much.
   */
  devices: readonly RoomDevice[];
  state: RoomState | null | undefined;
  /** Joins in flight: keep the subscription while there are any. */
  joining: number;
  unsubscribe: () => void;
}

export interface AccountRoomsOptions {
  maxDevicesPerUser: number;
  clock: () => number;
}

/** Compare-and-swap retries before a busy room gives up with ERR_ROOM_UNAVAILABLE. */
const MAX_ATTEMPTS = 20;

/**
 * The room logic of one server instance: joins, leaves and unreachable reports applied to the
 * store by compare-and-swap (room-rules.ts decides; the store makes it atomic), and the store's
 * events delivered to this instance's sockets. Signals are checked against the room's latest
 * value, so a device can only ever name devices of its own user's room.
 */
export class AccountRooms {
  /** Names this instance in member records, for a shared store. */
  readonly instance = randomBytes(6).toString('base64url');
  readonly #store: RoomStore;
  readonly #options: AccountRoomsOptions;
  readonly #log: FastifyBaseLogger;
  readonly #local = new Map<string, LocalRoom>();
  /** Signals this instance took from its devices, and broadcasters it promoted (for metrics). */
  #signals = 0;
  #promotions = 0;
  readonly #unregister: (() => void) | undefined;

  constructor(store: RoomStore, options: AccountRoomsOptions, log: FastifyBaseLogger) {
    this.#store = store;
    this.#options = options;
    this.#log = log;
    // A shared store: other instances may die, and the store itself may go and come back.
    this.#unregister = store.register?.({
      instance: this.instance,
      instanceGone: (instance, rooms) => this.#removeInstance(instance, rooms),
      reconnected: (rooms) => this.#reconcile(rooms),
    });
  }

  /** Stops keeping this instance alive in a shared store (after its devices left). */
  close(): void {
    this.#unregister?.();
  }

  get store(): RoomStore {
    return this.#store;
  }

  /**
   * Adds the device to its user's room, under the id its proved key has there if it has one;
   * `device.joined` is called before this resolves.
   */
  async join(device: RoomDevice, identity: VerifiedIdentity, proved?: ProvedKey): Promise<void> {
    const local = this.#open(identity.room);
    local.joining += 1;
    try {
      const { state, decision } = await this.#change(identity.room, (current) => {
        const joined = joinRoom(current, identity.user, {
          joinedAt: this.#options.clock(),
          instance: this.instance,
          maxDevices: this.#options.maxDevicesPerUser,
          connection: device.connection,
          ...(proved === undefined ? {} : { proved }),
        });
        if (joined === 'full') {
          throw new ServerError(
            'ERR_ROOM_FULL',
            `a user may have ${this.#options.maxDevicesPerUser} devices at once`,
          );
        }
        return { next: joined.next, id: joined.id, replaced: joined.replaced };
      }).catch(storeDown('ERR_ROOM_UNAVAILABLE'));
      if (!state || !decision) throw new Error('a join left no room');
      const { id } = decision;
      // The devices already here learn of the join now: a shared store's event for it may
      // come later, and would then be older than what this instance has seen.
      this.#deliver(local, { type: 'state', state });
      local.devices = local.devices.concat(device);
      device.joined(id, local.state ?? state);
      this.#log.info(
        {
          room: identity.room,
          device: id,
          members: state.members.length,
          ...(decision.replaced ? { replaced: true } : {}),
        },
        'device joined',
      );
      if (state.broadcaster === id) this.#logPromotion(identity.room, state, 'first device');
    } finally {
      local.joining -= 1;
      this.#closeIfIdle(identity.room, local);
    }
  }

  /**
   * Removes the device (left, closed, crashed or silent); promotes a new broadcaster if needed.
   * Its key's id is kept, unless `forget` (a clean leave of a key not to be seen again).
   */
  async leave(device: RoomDevice, reason: string, forget = false): Promise<void> {
    const { id, room, connection } = device;
    if (id === undefined || room === undefined) return;
    const local = this.#local.get(room);
    if (local?.devices.includes(device)) {
      local.devices = local.devices.filter((other) => other !== device);
    }
    try {
      await this.#leaveMember(room, id, connection, reason, forget);
    } catch (error) {
      // A shared store that failed for a moment: try again, or the member would stay.
      if (isServerError(error) && error.code === 'ERR_STORE_UNAVAILABLE') {
        this.#retryLeave(room, id, connection, reason, 1);
      }
      throw error;
    } finally {
      if (local) this.#closeIfIdle(room, local);
    }
  }

  async #leaveMember(
    room: string,
    id: string,
    connection: string,
    reason: string,
    forget = false,
  ): Promise<void> {
    const { state, decision } = await this.#change(room, (current) => {
      // Only this instance's member of that id: after a store outage another may hold it.
      const mine = current?.members.some((m) => m.id === id && m.instance === this.instance);
      const departure = { now: this.#options.clock(), connection, forget };
      const next = current && mine ? leaveRoom(current, id, departure) : undefined;
      return next === undefined ? undefined : { next, epoch: current?.epoch };
    });
    if (decision) this.#log.info({ room, device: id, reason }, 'device left');
    if (state && decision && state.epoch !== decision.epoch) {
      this.#logPromotion(room, state, `${id} ${reason}`);
    }
  }

  /** Every second for a minute at most (a reconnect also takes out members that went). */
  #retryLeave(room: string, id: string, connection: string, reason: string, attempt: number): void {
    if (attempt > 60) return;
    setTimeout(() => {
      const local = this.#local.get(room);
      if (local && deviceOf(local, id)) return;
      this.#leaveMember(room, id, connection, reason).catch(() =>
        this.#retryLeave(room, id, connection, reason, attempt + 1),
      );
    }, 1_000).unref();
  }

  /**
   * Relays a signal to `to` (a client id or the broadcaster alias) of the same room. A device on
   * this instance gets it at once (nothing returned); one on another instance through the
   * shared store (the promise of its publishing). Throws what is wrong with the signal.
   */
  signal(device: RoomDevice, to: string, dataJson: string): Promise<void> | undefined {
    const { id, user, room } = device;
    const local = room === undefined ? undefined : this.#local.get(room);
    const state = local?.state;
    if (id === undefined || user === undefined || room === undefined || !local || !state) {
      throw new ServerError('ERR_ROOM_UNAVAILABLE', 'the device is not in a room');
    }
    const target =
      to === broadcasterAlias(user)
        ? state.broadcaster
        : state.members.some((member) => member.id === to)
          ? to
          : null;
    // The same answer for "another user's device" and "no such device": nothing to learn.
    if (target === null || target === id) {
      throw new ServerError('ERR_UNKNOWN_DEVICE', 'no other device of this room has this id');
    }
    const signal: SignalEvent = {
      type: 'signal',
      from: id,
      to: target,
      epoch: state.epoch,
      data: dataJson,
    };
    this.#signals += 1;
    // A device on this instance is reached directly; a shared store carries the others.
    const receiver = deviceOf(local, target);
    if (receiver) {
      receiver.sendText(signalText(signal));
      return undefined;
    }
    const holder = state.members.find((member) => member.id === target)?.instance;
    return this.#store.publish(room, signal, holder).catch(storeDown('ERR_RELAY_UNAVAILABLE'));
  }

  /** Counts the device's report that the broadcaster is unreachable; may replace it. */
  async unreachable(device: RoomDevice, report: { peer: string; epoch: number }): Promise<void> {
    const { id, user, room } = device;
    if (id === undefined || user === undefined || room === undefined) return;
    const { state, decision } = await this.#change(room, (current) => {
      const result = current
        ? reportUnreachable(current, user, id, report)
        : ({ status: 'stale' } as const);
      switch (result.status) {
        case 'stale':
          throw new ServerError('ERR_STALE_EPOCH', 'the report names an old broadcaster or epoch');
        case 'self':
          throw new ServerError('ERR_INVALID_FRAME', 'the broadcaster cannot report itself');
        case 'repeated':
          return undefined;
        default:
          return { next: result.next, outcome: result.status };
      }
    }).catch(storeDown('ERR_RELAY_UNAVAILABLE'));
    if (decision?.outcome === 'replaced' && state) {
      this.#logPromotion(room, state, 'unreachable');
    }
  }

  /** Another instance died: its members leave every room they were in. */
  async #removeInstance(instance: string, rooms: readonly string[]): Promise<void> {
    let failure: unknown;
    for (const room of rooms) {
      try {
        const { state, decision } = await this.#change(room, (current) => {
          const next = current && withoutInstance(current, instance, this.#options.clock());
          return next === undefined ? undefined : { next, epoch: current?.epoch };
        });
        if (decision) this.#log.info({ room, instance }, 'members of a stopped instance removed');
        if (state && decision && state.epoch !== decision.epoch) {
          this.#logPromotion(room, state, `instance ${instance} stopped`);
        }
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * The shared store is back after an outage, maybe empty: every room with devices here gets
   * them back (same ids), loses those that left meanwhile, and its latest value goes to the
   * devices here (events sent during the outage never arrived).
   */
  async #reconcile(indexed: readonly string[]): Promise<void> {
    const rooms = new Set([...indexed, ...this.#local.keys()]);
    this.#log.info({ rooms: rooms.size }, 'store reachable again: restoring rooms');
    for (const room of rooms) {
      const local = this.#local.get(room);
      const known = local?.state;
      const now = this.#options.clock();
      const here = (local?.devices ?? []).flatMap(({ id, connection }) =>
        id === undefined ? [] : [{ id, connection }],
      );
      const mine: RoomMember[] = here.map(({ id, connection }) => {
        const member = known?.members.find((candidate) => candidate.id === id);
        return member
          ? { ...member, instance: this.instance, connection }
          : { id, joinedAt: now, instance: this.instance, passedOver: false, connection };
      });
      let lost: string[] = [];
      try {
        const { state } = await this.#change(room, (current) => {
          const reconciled = reconcileRoom(current, this.instance, mine, known);
          lost = reconciled.lost;
          return reconciled.next === undefined ? undefined : { next: reconciled.next };
        });
        if (!local) continue;
        for (const id of lost) deviceOf(local, id)?.roomChanged(null);
        if (state !== undefined) this.#deliver(local, { type: 'state', state });
      } catch (error) {
        this.#log.error({ err: error, room }, 'room not restored');
      }
    }
  }

  /** Rooms with devices on this instance. */
  get localRooms(): number {
    return this.#local.size;
  }

  /**
   * Reads the room, lets `decide` compute the next value, and swaps it in; on a conflict,
   * reads again. `decide` returns undefined when nothing is to change.
   */
  async #change<T extends { next: RoomDraft | null }>(
    room: string,
    decide: (current: RoomState | undefined) => T | undefined,
  ): Promise<{ state: RoomState | null | undefined; decision: T | undefined }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const current = await this.#store.read(room);
      const decision = decide(current);
      if (decision === undefined) return { state: current, decision };
      const state = await this.#store.swap(room, current?.version ?? null, decision.next);
      if (state !== 'conflict') return { state, decision };
    }
    throw new ServerError('ERR_ROOM_UNAVAILABLE', 'the room is too busy; try again');
  }

  #open(room: string): LocalRoom {
    const existing = this.#local.get(room);
    if (existing) return existing;
    const local: LocalRoom = {
      devices: [],
      state: undefined,
      joining: 0,
      unsubscribe: () => {},
    };
    // Subscribed before the first read, so no change between the read and the swap is missed.
    local.unsubscribe = this.#store.subscribe(room, (event) => this.#deliver(local, event));
    this.#local.set(room, local);
    return local;
  }

  #closeIfIdle(room: string, local: LocalRoom): void {
    if (local.devices.length > 0 || local.joining > 0 || this.#local.get(room) !== local) return;
    local.unsubscribe();
    this.#local.delete(room);
  }

  #observe(local: LocalRoom, state: RoomState | null): boolean {
    // Versions only grow, so an older value arriving late is ignored.
    if (state !== null && local.state && local.state.version >= state.version) return false;
    local.state = state;
    return true;
  }

  /** A store event: never throws, since it runs inside the store's emit. */
  #deliver(local: LocalRoom, event: RoomEvent): void {
    try {
      if (event.type === 'signal') {
        deviceOf(local, event.to)?.sendText(signalText(event));
        return;
      }
      const previous = local.state;
      if (!this.#observe(local, event.state)) return;
      // A counted report changes the value, not what devices see: no frame for it.
      if (previous && event.state && sameView(previous, event.state)) return;
      for (const device of local.devices) device.roomChanged(event.state);
    } catch (error) {
      this.#log.error({ err: error }, 'room event delivery failed');
    }
  }

  get signals(): number {
    return this.#signals;
  }

  get promotions(): number {
    return this.#promotions;
  }

  #logPromotion(room: string, state: RoomState, reason: string): void {
    this.#promotions += 1;
    this.#log.info(
      { room, broadcaster: state.broadcaster, epoch: state.epoch, reason },
      'broadcaster promoted',
    );
  }
}

/** The frame a signal reaches its device as. */
function signalText(signal: SignalEvent): string {
  return `{"type":"signal","from":${JSON.stringify(signal.from)},"epoch":${signal.epoch},"data":${signal.data}}`;
}

function deviceOf(local: LocalRoom, id: string): RoomDevice | undefined {
  return local.devices.find((device) => device.id === id);
}

/**
 * A shared store that is down fails a hello for good (ERR_ROOM_UNAVAILABLE: come back later)
 * but a signal or report only for now (ERR_RELAY_UNAVAILABLE: the socket stays).
 */
function storeDown(code: 'ERR_ROOM_UNAVAILABLE' | 'ERR_RELAY_UNAVAILABLE') {
  return (error: unknown): never => {
    if (isServerError(error) && error.code === 'ERR_STORE_UNAVAILABLE') {
      throw new ServerError(code, error.message, { cause: error });
    }
    throw error;
  };
}
