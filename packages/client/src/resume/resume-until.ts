import type { ResumeSealer } from './resume-seal.ts';

/**
 * Until when a session can be resumed: its resume box's expiry. The mailbox tells only the side
 * that made the box; the other asks over the resume channel and is told, in a sealed `until`
 * signal (the time as a float64 of ms since the epoch; empty, a question).
 */
export class ResumeUntil {
  #until: number | null = null;
  /** This side asked (it did not make the box); the other side asked. */
  #asked = false;
  #peerAsked = false;
  readonly #sealer: ResumeSealer;
  /** The live connection's resume channel, if any, and whether the session is closed. */
  readonly #channel: () => RTCDataChannel | undefined;
  readonly #closed: () => boolean;
  readonly #changed: (until: number) => void;

  constructor(
    sealer: ResumeSealer,
    channel: () => RTCDataChannel | undefined,
    closed: () => boolean,
    changed: (until: number) => void,
  ) {
    this.#sealer = sealer;
    this.#channel = channel;
    this.#closed = closed;
    this.#changed = changed;
  }

  get value(): number | null {
    return this.#until;
  }

  /** From the box this side made, a reloaded page's ticket, or the other side. */
  learn(until: number): void {
    if (!Number.isFinite(until) || until === this.#until) return;
    this.#until = until;
    this.#changed(until);
    if (this.#peerAsked) this.#send();
  }

  /** Asks the other side (now, and on each new connection until told). */
  ask(): void {
    if (this.#until !== null) return;
    this.#asked = true;
    this.#send();
  }

  /** A new connection: a question not answered yet goes again on it. */
  connected(): void {
    if (this.#asked && this.#until === null) this.#send();
  }

  /** The other side's `until` signal. */
  take(body: Uint8Array): void {
    if (body.length >= 8) {
      this.learn(new DataView(body.buffer, body.byteOffset).getFloat64(0));
      return;
    }
    this.#peerAsked = true;
    if (this.#until !== null) this.#send();
  }

  /** Says `until` over the live connection's resume channel, or asks for it (while unknown). */
  #send(): void {
    const channel = this.#channel();
    if (!channel || this.#closed()) return;
    const body = new Uint8Array(this.#until === null ? 0 : 8);
    if (this.#until !== null) new DataView(body.buffer).setFloat64(0, this.#until);
    const send = () => {
      if (this.#channel() !== channel) return;
      this.#sealer
        .seal('until', body)
        .then((sealed) => {
          if (!this.#closed() && channel.readyState === 'open')
            channel.send(new Uint8Array(sealed));
        })
        .catch(() => {});
    };
    if (channel.readyState === 'open') send();
    else if (channel.readyState === 'connecting')
      channel.addEventListener('open', send, { once: true });
  }
}
