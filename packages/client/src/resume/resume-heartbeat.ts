/** How often each side asks the other whether it is there, over the resume channel. */
export const HEARTBEAT_MS = 1000;
/** Asks in a row left unanswered after which the path counts as down, whatever ICE says. */
export const UNANSWERED_LIMIT = 4;

/** Heartbeats are one byte (sealed resume signals are never that short): an ask, or its answer. */
const ASK = 0;
const ANSWER = 1;

export function isHeartbeat(data: ArrayBuffer): boolean {
  return data.byteLength === 1;
}

/**
 * Each side asks every second over the connection's resume channel, and answers the other's
 * asks the moment they arrive. ICE's own state misses a path that carries one way only: after
 * one side's network changed, Chromium there found a new path by itself (it gathers on the new
 * network), its ICE read `connected` for 36 s while nothing came back from Firefox on the other
 * side, which saw `disconnected` and whose restart never reached it.
 * - Counted in asks, not seconds: a hidden tab's timers may fire once a minute, and an answer
 *   (a message event) still comes at once, so a throttled side is never taken for a silent one.
 * - Only once the other side has answered at all: a peer without heartbeats is never silent.
 * - Unsealed: the channel is inside DTLS, so only the peer can send on it.
 */
export class Heartbeat {
  readonly #channel: RTCDataChannel;
  readonly #onSilent: () => void;
  readonly #onHeardAgain: () => void;
  readonly #timer: ReturnType<typeof setInterval>;
  #answered = false;
  #unanswered = 0;
  #silent = false;

  constructor(channel: RTCDataChannel, onSilent: () => void, onHeardAgain: () => void) {
    this.#channel = channel;
    this.#onSilent = onSilent;
    this.#onHeardAgain = onHeardAgain;
    channel.addEventListener('message', this.#onMessage);
    this.#timer = setInterval(() => this.#ask(), HEARTBEAT_MS);
  }

  /** The other side left UNANSWERED_LIMIT asks in a row unanswered (after it answered once). */
  get silent(): boolean {
    return this.#silent;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#channel.removeEventListener('message', this.#onMessage);
  }

  readonly #onMessage = (event: MessageEvent) => {
    if (!(event.data instanceof ArrayBuffer) || !isHeartbeat(event.data)) return;
    if (new Uint8Array(event.data)[0] === ASK) {
      this.#send(ANSWER);
      return;
    }
    this.#answered = true;
    this.#unanswered = 0;
    if (!this.#silent) return;
    this.#silent = false;
    this.#onHeardAgain();
  };

  #ask(): void {
    if (this.#channel.readyState !== 'open') return;
    if (this.#answered && !this.#silent && ++this.#unanswered > UNANSWERED_LIMIT) {
      this.#silent = true;
      this.#onSilent();
    }
    this.#send(ASK);
  }

  #send(kind: number): void {
    try {
      if (this.#channel.readyState === 'open') this.#channel.send(new Uint8Array([kind]));
    } catch {
      // A channel closing under us: its close event tells the session.
    }
  }
}

/** The heartbeat of a session's current connection: one at a time, replaced with it. */
export class HeartbeatSlot {
  #pc: RTCPeerConnection | null = null;
  #beat: Heartbeat | null = null;

  /** Beats over `control` (the resume channel of `pc`); without one, none. */
  watch(
    pc: RTCPeerConnection,
    control: RTCDataChannel | undefined,
    onSilent: () => void,
    onHeardAgain: () => void,
  ): void {
    this.stop();
    if (!control) return;
    this.#pc = pc;
    this.#beat = new Heartbeat(control, onSilent, onHeardAgain);
  }

  /** Whether the other side over `pc` has gone silent (false for any other connection). */
  silentFor(pc: RTCPeerConnection): boolean {
    return this.#pc === pc && (this.#beat?.silent ?? false);
  }

  stop(): void {
    this.#beat?.stop();
    this.#beat = null;
    this.#pc = null;
  }
}
