import { type JsonValue, UNREACHABLE_AFTER_MS } from '@webrtc-connect/protocol';
import type { PeerOptions } from '../core/peer-options.ts';
import type { ConnectError } from '../errors.ts';
import type { PeerFrame } from './account-wire.ts';
import { type Inbox, type Outbox, type Parcel, Relay } from './delivery.ts';
import { createPeerLink, type PeerLink } from './peer-link.ts';

/** What the broadcaster of one epoch needs from its session. */
export interface BroadcastContext {
  options: PeerOptions;
  id: string;
  epoch: number;
  /** Ids of the room's members now, this device included. */
  memberIds(): string[];
  inbox: Inbox;
  outbox: Outbox;
  signal(to: string, data: JsonValue): void;
  error(error: ConnectError): void;
}

/**
 * A member with no open channel for this long is not waited for: a little longer than a client
 * takes to report the broadcaster unreachable, so a room that is about to change waits for it.
 */
const EXCUSE_AFTER_MS = UNREACHABLE_AFTER_MS + 1_000;

/**
 * This device as broadcaster for one epoch: answers each client's offer, relays every message
 * to every other member, and acknowledges it to its sender once all members present have it,
 * except members that have had no channel for 6 s (they get what they missed when it opens).
 */
export class Broadcasting {
  readonly #context: BroadcastContext;
  readonly #links = new Map<string, PeerLink>();
  readonly #relay = new Relay((sender, parcel) => this.#acknowledge(sender, parcel));
  /** Members without an open channel, until they are excused. */
  readonly #excuseTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(context: BroadcastContext) {
    this.#context = context;
    // What this device sent before it was promoted goes out again, first.
    for (const parcel of context.outbox.pending()) this.relay(parcel, context.id);
    this.#watchMembers();
  }

  /** Passes a message from `sender` (a client, or this device) to every other member. */
  relay(parcel: Parcel, sender: string): void {
    const { id, epoch } = this.#context;
    const others = this.#context.memberIds().filter((member) => member !== id && member !== sender);
    if (!this.#relay.add(parcel, sender, others)) return;
    for (const member of others) {
      const link = this.#links.get(member);
      if (link?.isOpen()) link.sendParcel(parcel, epoch);
    }
  }

  /** Members that left: their channels close, and nobody waits for them any more. */
  membersChanged(present: Set<string>): void {
    for (const [member, link] of this.#links) {
      if (present.has(member)) continue;
      link.close();
      this.#links.delete(member);
    }
    for (const [member, timer] of this.#excuseTimers) {
      if (present.has(member)) continue;
      clearTimeout(timer);
      this.#excuseTimers.delete(member);
    }
    this.#relay.keepOnly(present);
    this.#watchMembers();
  }

  /** A signal from a client: an offer opens a new channel (replacing an older one). */
  signal(from: string, data: { [key: string]: JsonValue }): void {
    if (typeof data.link !== 'string') return;
    let link = this.#links.get(from);
    if (link?.id !== data.link) {
      if (!isOffer(data.sdp)) return;
      link?.close();
      link = this.#accept(from, data.link);
    }
    link.signal(data);
  }

  close(): void {
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
    for (const timer of this.#excuseTimers.values()) clearTimeout(timer);
    this.#excuseTimers.clear();
    this.#relay.clear();
  }

  /** Starts the excuse timer of every member without an open channel that has none running. */
  #watchMembers(): void {
    for (const member of this.#context.memberIds()) {
      if (member === this.#context.id) continue;
      if (this.#links.get(member)?.isOpen()) continue;
      this.#watch(member);
    }
  }

  #watch(member: string): void {
    if (this.#excuseTimers.has(member)) return;
    const timer = setTimeout(() => {
      this.#excuseTimers.delete(member);
      if (!this.#links.get(member)?.isOpen()) this.#relay.excuse(member);
    }, EXCUSE_AFTER_MS);
    this.#excuseTimers.set(member, timer);
  }

  #accept(client: string, linkId: string): PeerLink {
    const { options, epoch } = this.#context;
    const link: PeerLink = createPeerLink(
      options,
      client,
      { offer: false, id: linkId },
      {
        signal: (data) => this.#context.signal(client, data),
        // A client that (re)connects gets what it has not confirmed yet; it drops duplicates.
        open: () => {
          clearTimeout(this.#excuseTimers.get(client));
          this.#excuseTimers.delete(client);
          this.#relay.unexcuse(client);
          for (const parcel of this.#relay.missingFor(client)) link.sendParcel(parcel, epoch);
        },
        frame: (frame, parcel) => {
          if (this.#links.get(client) === link) this.#fromClient(client, frame, parcel);
        },
        closed: () => {
          if (this.#links.get(client) !== link) return;
          this.#links.delete(client);
          if (this.#context.memberIds().includes(client)) this.#watch(client);
        },
        error: (error) => this.#context.error(error),
      },
    );
    this.#links.set(client, link);
    return link;
  }

  #fromClient(client: string, frame: PeerFrame, parcel: Parcel | undefined): void {
    if (frame.epoch < this.#context.epoch) return;
    if (frame.k === 'msg' && parcel) {
      this.#context.inbox.receive(parcel);
      this.relay(parcel, client);
    } else if (frame.k === 'got') {
      this.#relay.got(client, frame.sid, frame.seq);
    }
  }

  #acknowledge(sender: string, parcel: Parcel): void {
    const { sid, seq } = parcel.frame;
    if (sender === this.#context.id) this.#context.outbox.ack(seq);
    else this.#links.get(sender)?.send({ k: 'ack', sid, seq, epoch: this.#context.epoch });
  }
}

function isOffer(value: JsonValue | undefined): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && value.type === 'offer'
  );
}
