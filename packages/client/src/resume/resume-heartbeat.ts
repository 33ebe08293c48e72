/** How often each side asks the other whether it is there, over the resume channel. */
export const HEARTBEAT_MS = 1000;
/** Asks in a row left unanswered after which the path counts as down, whatever ICE says. */
export const UNANSWERED_LIMIT = 4;
/**
 * How long an ask made at once (`probe`, after this device's network changed) may go
 * unanswered before the path counts as down. A path that carries answers in milliseconds;
 * twice the interval leaves room for a page busy for a moment.
 */
export const PROBE_WAIT_MS = 2 * HEARTBEAT_MS;

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
  readonly #onSilent: (probed: boolean) => void;
  readonly #onHeardAgain: () => void;
  readonly #timer: ReturnType<typeof setInterval>;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #answered = false;
  /** Answers heard so far: a probe is answered when this grows. */
  #answers = 0;
  #unanswered = 0;
  #silent = false;

  /** `onSilent(probed)`: `probed` when it was a probe that went unanswered. */
  constructor(
    channel: RTCDataChannel,
    onSilent: (probed: boolean) => void,
    onHeardAgain: () => void,
  ) {
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

  /**
   * Asks now, and counts the other side silent if no answer comes within PROBE_WAIT_MS, rather
   * than after UNANSWERED_LIMIT asks. Returns false, doing nothing, when no probe can tell
   * anything: the other side never answered (it has no heartbeat), is silent already, or the
   * channel is not open.
   */
  probe(): boolean {
    if (!this.#answered || this.#silent || this.#channel.readyState !== 'open') return false;
    const answers = this.#answers;
    this.#send(ASK);
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(() => {
      if (this.#answers !== answers || this.#silent) return;
      this.#silent = true;
      this.#onSilent(true);
    }, PROBE_WAIT_MS);
    return true;
  }

  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#probeTimer);
    this.#channel.removeEventListener('message', this.#onMessage);
  }

  readonly #onMessage = (event: MessageEvent) => {
    if (!(event.data instanceof ArrayBuffer) || !isHeartbeat(event.data)) return;
    if (new Uint8Array(event.data)[0] === ASK) {
      this.#send(ANSWER);
      return;
    }
    this.#answered = true;
    this.#answers += 1;
    this.#unanswered = 0;
    if (!this.#silent) return;
    this.#silent = false;
    this.#onHeardAgain();
  };

  #ask(): void {
    if (this.#channel.readyState !== 'open') return;
    if (this.#answered && !this.#silent && ++this.#unanswered > UNANSWERED_LIMIT) {
      this.#silent = true;
      this.#onSilent(false);
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
    onSilent: (probed: boolean) => void,
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

  /** Probes the other side over `pc` (see Heartbeat.probe); false when no probe was made. */
  probe(pc: RTCPeerConnection): boolean {
    return this.#pc === pc && (this.#beat?.probe() ?? false);
  }

  stop(): void {
    this.#beat?.stop();
    this.#beat = null;
    this.#pc = null;
  }
}
