import { ConnectError } from '../errors.ts';
import type { MsgFrame } from './account-wire.ts';

/** Largest message: one data channel message everywhere (Chromium, libwebrtc, libdatachannel). */
export const MAX_ACCOUNT_MESSAGE_BYTES = 256 * 1024 - 1024;

export type Body = string | Uint8Array<ArrayBuffer>;

/** A message as it travels: its frame, and its body for binary ones. */
export interface Parcel {
  frame: MsgFrame;
  bytes?: Uint8Array<ArrayBuffer>;
}

export function bodyOf(parcel: Parcel): Body {
  return parcel.bytes ?? parcel.frame.body ?? '';
}

/** Checks what the app sends, and copies bytes so that later changes to them cannot leak in. */
export function bodyToSend(data: unknown): Body {
  let size: number;
  let body: Body;
  if (typeof data === 'string') {
    body = data;
    size = new TextEncoder().encode(data).length;
  } else if (data instanceof Uint8Array) {
    body = new Uint8Array(data);
    size = body.length;
  } else {
    throw new ConnectError('ERR_INVALID_ARGUMENT', 'send takes a string or a Uint8Array');
  }
  if (size > MAX_ACCOUNT_MESSAGE_BYTES) {
    throw new ConnectError(
      'ERR_INVALID_ARGUMENT',
      `a message is limited to ${MAX_ACCOUNT_MESSAGE_BYTES} bytes`,
    );
  }
  return body;
}

/**
 * What this device sent and nobody has acknowledged yet, in order. It is all sent again to
 * every new broadcaster; receivers drop what they already have.
 */
export class Outbox {
  readonly #unacked = new Map<
    number,
    { parcel: Parcel; settle: () => void; fail: (error: unknown) => void }
  >();
  #seq = 0;

  constructor(readonly sid: string) {}

  add(from: string, epoch: number, body: Body): { parcel: Parcel; delivered: Promise<void> } {
    this.#seq += 1;
    const frame: MsgFrame =
      typeof body === 'string'
        ? { k: 'msg', from, sid: this.sid, seq: this.#seq, epoch, body }
        : { k: 'msg', from, sid: this.sid, seq: this.#seq, epoch, bin: true };
    const parcel: Parcel = typeof body === 'string' ? { frame } : { frame, bytes: body };
    let settle = () => {};
    let fail: (error: unknown) => void = () => {};
    const delivered = new Promise<void>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    this.#unacked.set(this.#seq, { parcel, settle, fail });
    return { parcel, delivered };
  }

  ack(seq: number): void {
    const entry = this.#unacked.get(seq);
    if (!entry) return;
    this.#unacked.delete(seq);
    entry.settle();
  }

  /** The session ended: nothing unacked will be delivered any more. */
  failAll(error: unknown): void {
    for (const entry of this.#unacked.values()) entry.fail(error);
    this.#unacked.clear();
  }

  /** Unacked messages, in order. */
  pending(): Parcel[] {
    return [...this.#unacked.values()].map(({ parcel }) => parcel);
  }
}

/**
 * Receiving side: each (sender key, seq) once, in seq order per sender. The first message seen
 * from a sender sets where its sequence starts for us (we joined after its earlier ones).
 */
export class Inbox {
  readonly #senders = new Map<
    string,
    { delivered: number; held: Map<number, Parcel>; restart: boolean }
  >();

  constructor(private readonly deliver: (parcel: Parcel) => void) {}

  receive(parcel: Parcel): void {
    const { sid, seq } = parcel.frame;
    let sender = this.#senders.get(sid);
    if (!sender) {
      sender = { delivered: seq - 1, held: new Map(), restart: false };
      this.#senders.set(sid, sender);
    }
    if (seq <= sender.delivered) return;
    if (sender.restart) {
      // This device joined again under a new id: what others sent while it was away is not
      // coming, so the first new message of a sender starts its run again.
      sender.restart = false;
      sender.delivered = seq - 1;
    }
    sender.held.set(seq, parcel);
    for (let next = sender.held.get(sender.delivered + 1); next; ) {
      sender.held.delete(sender.delivered + 1);
      sender.delivered += 1;
      this.deliver(next);
      next = sender.held.get(sender.delivered + 1);
    }
  }

  /**
   * This device joined the room again (after its socket was lost): messages held back behind a
   * gap are delivered now, in order, and each sender's next message starts a new run; what was
   * already delivered is still dropped if it comes again.
   */
  rejoined(): void {
    for (const sender of this.#senders.values()) {
      for (const seq of [...sender.held.keys()].sort((a, b) => a - b)) {
        const parcel = sender.held.get(seq) as Parcel;
        sender.delivered = seq;
        this.deliver(parcel);
      }
      sender.held.clear();
      sender.restart = true;
    }
  }
}

/** Messages a broadcaster keeps for members it does not wait for (see `Relay.excuse`). */
const MAX_KEPT_FOR_EXCUSED = 10_000;

interface Waiting {
  parcel: Parcel;
  sender: string;
  missing: Set<string>;
  /** Acknowledged to its sender already: only excused members still miss it. */
  acked: boolean;
}

/**
 * The broadcaster's book: each relayed message and the members that have not confirmed it yet.
 * A message is acknowledged to its sender once that set is empty (got it, or left), or holds
 * only excused members (no channel to the broadcaster for 5 s); it is kept for those until they
 * confirm it or leave, up to 10,000 messages (the oldest go first).
 */
export class Relay {
  readonly #waiting = new Map<string, Waiting>();
  readonly #excused = new Set<string>();

  constructor(private readonly acknowledge: (sender: string, parcel: Parcel) => void) {}

  /** Records a message from `sender` for `members`; returns false if it was already waiting. */
  add(parcel: Parcel, sender: string, members: string[]): boolean {
    const key = keyOf(parcel.frame.sid, parcel.frame.seq);
    const known = this.#waiting.get(key);
    if (known) {
      known.sender = sender;
      // Sent again (its sender joined again, or missed the ack): acknowledge it again.
      if (known.acked) this.acknowledge(sender, known.parcel);
      return false;
    }
    const entry: Waiting = { parcel, sender, missing: new Set(members), acked: false };
    this.#waiting.set(key, entry);
    this.#settle(key, entry);
    this.#trim();
    return true;
  }

  got(member: string, sid: string, seq: number): void {
    const key = keyOf(sid, seq);
    const entry = this.#waiting.get(key);
    if (!entry) return;
    entry.missing.delete(member);
    this.#settle(key, entry);
  }

  /** Members that left will never confirm: stop waiting for them. */
  keepOnly(members: Set<string>): void {
    for (const member of this.#excused) if (!members.has(member)) this.#excused.delete(member);
    for (const [key, entry] of this.#waiting) {
      for (const member of entry.missing) if (!members.has(member)) entry.missing.delete(member);
      this.#settle(key, entry);
    }
  }

  /**
   * A member that has had no channel to this broadcaster for a while: its senders are not held
   * back for it any more. What it misses is kept, and sent when its channel opens.
   */
  excuse(member: string): void {
    this.#excused.add(member);
    for (const [key, entry] of this.#waiting) this.#settle(key, entry);
  }

  /** The member's channel is open: it confirms again what it gets. */
  unexcuse(member: string): void {
    this.#excused.delete(member);
  }

  /** Waiting messages `member` has not confirmed, in the order they came. */
  missingFor(member: string): Parcel[] {
    return [...this.#waiting.values()]
      .filter((entry) => entry.missing.has(member))
      .map((entry) => entry.parcel);
  }

  clear(): void {
    this.#waiting.clear();
    this.#excused.clear();
  }

  #settle(key: string, entry: Waiting): void {
    if (entry.missing.size === 0) {
      this.#waiting.delete(key);
      if (!entry.acked) this.acknowledge(entry.sender, entry.parcel);
      return;
    }
    if (entry.acked) return;
    for (const member of entry.missing) if (!this.#excused.has(member)) return;
    entry.acked = true;
    this.acknowledge(entry.sender, entry.parcel);
  }

  /** Drops the oldest messages kept only for excused members beyond the limit. */
  #trim(): void {
    if (this.#waiting.size <= MAX_KEPT_FOR_EXCUSED) return;
    for (const [key, entry] of this.#waiting) {
      if (this.#waiting.size <= MAX_KEPT_FOR_EXCUSED) return;
      if (entry.acked) this.#waiting.delete(key);
    }
  }
}

function keyOf(sid: string, seq: number): string {
  return `${seq}:${sid}`;
}
