import { type JsonValue, UNREACHABLE_AFTER_MS } from '@webrtc-connect/protocol';
import type { PeerOptions } from '../core/peer-options.ts';
import type { ConnectError } from '../errors.ts';
import type { AccountStep } from './account-state.ts';
import type { PeerFrame } from './account-wire.ts';
import type { Inbox, Outbox, Parcel } from './delivery.ts';
import { createPeerLink, type PeerLink } from './peer-link.ts';

/** Pause before opening the channel again after it closed, while the room has not changed. */
const RETRY_MS = 250;

/** What a client device of one epoch needs from its session. */
export interface UpstreamContext {
  options: PeerOptions;
  epoch: number;
  /** The broadcaster's client id. */
  target: string;
  inbox: Inbox;
  outbox: Outbox;
  signal(data: JsonValue): void;
  /** Tells the server the broadcaster cannot be reached (once an epoch). */
  report(): void;
  step(step: Extract<AccountStep, 'channel-open' | 'channel-closed' | 'unreachable'>): void;
  error(error: ConnectError): void;
}

/**
 * This device as a client for one epoch: opens its channel up to the broadcaster (again after
 * it closes), sends what the outbox holds once it is open, takes the broadcaster's messages and
 * acks, and reports the broadcaster unreachable once when no channel has been open for 5 s,
 * however many attempts that took, then keeps trying.
 */
export class Upstream {
  readonly #context: UpstreamContext;
  #link: PeerLink | undefined;
  /** Runs while there is no open channel to the broadcaster, across retries. */
  #unreachableTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #reported = false;
  #closed = false;

  constructor(context: UpstreamContext) {
    this.#context = context;
    this.#connect();
  }

  isOpen(): boolean {
    return this.#link?.isOpen() ?? false;
  }

  send(parcel: Parcel): void {
    if (this.#link?.isOpen()) this.#link.sendParcel(parcel, this.#context.epoch);
  }

  /** A signal from `from`: for the current attempt only. */
  signal(from: string, data: { [key: string]: JsonValue }): void {
    const link = this.#link;
    if (link && link.id === data.link && from === link.peer) link.signal(data);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#unreachableTimer);
    this.#unreachableTimer = undefined;
    clearTimeout(this.#retryTimer);
    this.#link?.close();
    this.#link = undefined;
  }

  #connect(): void {
    const { options, target, epoch, outbox } = this.#context;
    if (this.#closed) return;
    const link = createPeerLink(
      options,
      target,
      { offer: true },
      {
        signal: (data) => this.#context.signal(data),
        open: () => {
          clearTimeout(this.#unreachableTimer);
          this.#unreachableTimer = undefined;
          this.#context.step('channel-open');
          for (const parcel of outbox.pending()) link.sendParcel(parcel, epoch);
        },
        frame: (frame, parcel) => this.#fromBroadcaster(link, frame, parcel),
        closed: () => {
          if (this.#link !== link) return;
          this.#link = undefined;
          this.#context.step('channel-closed');
          this.#retryTimer = setTimeout(() => {
            if (!this.#closed && !this.#link) this.#connect();
          }, RETRY_MS);
        },
        error: (error) => this.#context.error(error),
      },
    );
    this.#link = link;
    this.#unreachableTimer ??= setTimeout(() => {
      this.#unreachableTimer = undefined;
      if (this.#closed || this.#link?.isOpen()) return;
      // The server counts one report a device an epoch; the state says we are cut off.
      if (!this.#reported) {
        this.#reported = true;
        this.#context.report();
      }
      this.#context.step('unreachable');
      clearTimeout(this.#retryTimer);
      this.#link?.close();
      this.#link = undefined;
      this.#connect();
    }, UNREACHABLE_AFTER_MS);
  }

  #fromBroadcaster(link: PeerLink, frame: PeerFrame, parcel: Parcel | undefined): void {
    const { epoch, inbox, outbox } = this.#context;
    if (this.#link !== link || frame.epoch < epoch) return;
    if (frame.k === 'msg' && parcel) {
      inbox.receive(parcel);
      link.send({ k: 'got', sid: frame.sid, seq: frame.seq, epoch });
    } else if (frame.k === 'ack' && frame.sid === outbox.sid) {
      outbox.ack(frame.seq);
    }
  }
}
