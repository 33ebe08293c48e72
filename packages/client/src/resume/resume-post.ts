import { DEFAULT_WAIT_SECONDS } from '@webrtc-connect/protocol';
import { pause } from '../core/pause.ts';
import { ConnectError, isConnectError } from '../errors.ts';
import type { MailboxClient } from '../link/mailbox-client.ts';
import { isHeartbeat } from './resume-heartbeat.ts';
import type { ResumeSide } from './resume-seal.ts';

/**
 * How long a wait on the box lasts while the session is down: a wait stuck on a connection
 * this side's network left is then replaced within seconds (see `hurry`).
 */
const HURRIED_WAIT_SECONDS = 4;
/** How long a signal's post to the box may take before it is posted again, and how often. */
const POST_LATE_MS = 4000;
const POST_ATTEMPTS = 3;

/** Which way a signal came: the way to answer it (a signal from the box says the channel is down). */
export type ResumeWay = 'channel' | 'box';

/**
 * The two ways a sealed resume signal travels: over the live connection's resume channel when
 * it is up (no server involved), else through the mailbox's resume box. Incoming signals from
 * both ways go to one handler, which opens them (and refuses replays) whichever way they came.
 */
export class ResumePost {
  readonly #mailbox: MailboxClient | null;
  readonly #boxId: string;
  readonly #side: ResumeSide;
  readonly #receive: (sealed: Uint8Array, way: ResumeWay) => void;
  readonly #stop = new AbortController();
  /** Which listening loop is the current one (see `hurry`); the box it listens to. */
  #generation = 0;
  #listening: MailboxClient | null = null;
  /** Ends the current loop's wait in flight (see `hurry`). */
  #dropWait: () => void = () => {};
  #hurried = false;
  #channel: RTCDataChannel | null = null;
  #boxGone: ConnectError | null = null;
  /**
   * The number of the last signal handed on from the box: every wait acknowledges up to it
   * (`after`), and whatever a wait is answered up to it again (two waits in flight) is skipped.
   */
  #boxTaken: number;
  /** Told once when the box can no longer carry anything (expired, or never made). */
  onBoxGone: (error: ConnectError) => void = () => {};
  /** Told the number of each signal handed on from the box (to keep it across a reload). */
  onBoxTaken: (seq: number) => void = () => {};

  constructor(
    mailbox: MailboxClient | null,
    boxId: string,
    side: ResumeSide,
    receive: (sealed: Uint8Array, way: ResumeWay) => void,
    boxTaken = 0,
  ) {
    this.#mailbox = mailbox;
    this.#boxId = boxId;
    this.#side = side;
    this.#receive = receive;
    this.#boxTaken = boxTaken;
  }

  /** Whether signals can travel with no connection: there is a mailbox and its box lives. */
  get hasBox(): boolean {
    return this.#mailbox !== null && this.#boxGone === null;
  }

  /**
   * Makes the box (the first side to ask does; the other is told it exists) and listens to it.
   * Resolves to the box's expiry (ISO 8601) when this side made it.
   */
  async openBox(create: boolean): Promise<string | undefined> {
    const mailbox = this.#mailbox;
    if (!mailbox) return undefined;
    let expiresAt: string | undefined;
    if (create) {
      try {
        ({ expiresAt } = await mailbox.createResumeBox(this.#boxId));
      } catch (error) {
        // The other side made it first: that is the box we share.
        if (!isConnectError(error) || error.code !== 'ERR_ALREADY_USED') throw error;
      }
    }
    this.#listening = mailbox;
    void this.#listen(mailbox);
    return expiresAt;
  }

  /** The resume channel of the current connection (a negotiated channel both sides make). */
  useChannel(channel: RTCDataChannel | null): void {
    this.#channel = channel;
    if (!channel) return;
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (event: MessageEvent) => {
      if (this.#channel !== channel || !(event.data instanceof ArrayBuffer)) return;
      if (isHeartbeat(event.data)) return;
      this.#receive(new Uint8Array(event.data), 'channel');
    });
  }

  /** Sends over the channel when `live` says the connection carries it, else through the box. */
  async send(sealed: Uint8Array, live: boolean): Promise<'channel' | 'box'> {
    const channel = this.#channel;
    if (live && channel?.readyState === 'open') {
      channel.send(new Uint8Array(sealed));
      return 'channel';
    }
    if (!this.#mailbox)
      throw new ConnectError(
        'ERR_NO_MAILBOX',
        'with no connection and no mailbox, nothing can carry a resume signal',
      );
    if (this.#boxGone) throw this.#boxGone;
    for (let attempt = 1; ; attempt++) {
      // Right after a network change the browser may send this on a kept-alive connection the
      // network took away, and wait on it for many seconds (Firefox as the side that moved: its
      // first fresh offer never arrived). Asked again on a new connection, it does.
      const attemptDone = new AbortController();
      const abort = () => attemptDone.abort();
      this.#stop.signal.addEventListener('abort', abort);
      const late = setTimeout(abort, POST_LATE_MS);
      try {
        await this.#mailbox.postResumeSignal(
          this.#boxId,
          this.#side === 'a' ? 'b' : 'a',
          sealed,
          attemptDone.signal,
        );
        // The answer to this comes to the wait in flight, which may hang on a connection from
        // before this side's network changed (nothing tells): while the session is down, a new
        // wait goes out now, on a connection that just carried the post. Nothing is lost by
        // dropping the old one (see `hurry`).
        if (this.#hurried) this.#renewWait();
        return 'box';
      } catch (error) {
        // A copy that did arrive after all is refused as a replay by the other side.
        if (this.#stop.signal.aborted || !attemptDone.signal.aborted || attempt >= POST_ATTEMPTS)
          throw error;
      } finally {
        clearTimeout(late);
        this.#stop.signal.removeEventListener('abort', abort);
      }
    }
  }

  /**
   * While the session is down (`on`), waits on the box are short and a new one starts at once.
   * After this side's network changed, a wait may hang on a connection that can no longer carry
   * its response (nothing tells either end); what the server answers it stays in the box until
   * a later wait acknowledges it, so the next wait, on a new connection, gets it.
   */
  hurry(on: boolean): void {
    if (on === this.#hurried) return;
    this.#hurried = on;
    // A new wait of the new length at once, and the one in flight dropped: it may hang on a
    // connection the network took away, and what the server answered it stays in the box until
    // a later wait acknowledges it, so dropping it loses nothing. (Firefox then sends the next
    // request on a new connection; left to end by itself, the old one kept a moved Firefox B
    // 10 s from coming back instead of 4.) A server from before the numbers took what it
    // answered: a signal answered as the wait is dropped is then lost, and the offers' own
    // timers make up for it.
    this.#renewWait();
  }

  /** Drops the wait in flight for a new one at once. */
  #renewWait(): void {
    this.#dropWait();
    if (this.#listening && !this.#stop.signal.aborted) void this.#listen(this.#listening);
  }

  close(): void {
    this.#stop.abort();
    this.#channel = null;
  }

  /** Takes this side's signals from the box for as long as the box lives, acknowledging each. */
  async #listen(mailbox: MailboxClient): Promise<void> {
    const generation = ++this.#generation;
    const current = () => generation === this.#generation && !this.#stop.signal.aborted;
    // This loop's waits end when the post closes, or when `hurry` drops them.
    const waits = new AbortController();
    const stop = () => waits.abort();
    this.#stop.signal.addEventListener('abort', stop);
    this.#dropWait = stop;
    try {
      await this.#listenWhile(mailbox, current, waits.signal);
    } finally {
      this.#stop.signal.removeEventListener('abort', stop);
    }
  }

  async #listenWhile(
    mailbox: MailboxClient,
    current: () => boolean,
    waits: AbortSignal,
  ): Promise<void> {
    while (current()) {
      const seconds = this.#hurried ? HURRIED_WAIT_SECONDS : DEFAULT_WAIT_SECONDS;
      try {
        const taken = await mailbox.takeResumeSignals(
          this.#boxId,
          this.#side,
          this.#boxTaken,
          waits,
          seconds,
          current,
        );
        for (const { sealed, seq } of taken) {
          if (seq !== undefined) {
            if (seq <= this.#boxTaken) continue;
            this.#boxTaken = seq;
            this.onBoxTaken(seq);
          }
          this.#receive(sealed, 'box');
        }
      } catch (error) {
        if (!current()) return;
        if (
          isConnectError(error) &&
          (error.code === 'ERR_EXPIRED' || error.code === 'ERR_NOT_FOUND')
        ) {
          this.#boxGone = new ConnectError(
            'ERR_EXPIRED',
            'the time to resume this session is over (its link expired): make a new link',
            { cause: error },
          );
          this.onBoxGone(this.#boxGone);
          return;
        }
        // The mailbox is out of reach (a network changing): ask again in a moment.
        await pause(2000, this.#stop.signal);
      }
    }
  }
}
