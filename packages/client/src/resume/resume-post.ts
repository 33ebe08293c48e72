import { pause } from '../core/pause.ts';
import { ConnectError, isConnectError } from '../errors.ts';
import type { MailboxClient } from '../link/mailbox-client.ts';
import type { ResumeSide } from './resume-seal.ts';

/**
 * The two ways a sealed resume signal travels: over the live connection's resume channel when
 * it is up (no server involved), else through the mailbox's resume box. Incoming signals from
 * both ways go to one handler, which opens them (and refuses replays) whichever way they came.
 */
export class ResumePost {
  readonly #mailbox: MailboxClient | null;
  readonly #boxId: string;
  readonly #side: ResumeSide;
  readonly #receive: (sealed: Uint8Array) => void;
  readonly #stop = new AbortController();
  #channel: RTCDataChannel | null = null;
  #boxGone: ConnectError | null = null;
  /** Told once when the box can no longer carry anything (expired, or never made). */
  onBoxGone: (error: ConnectError) => void = () => {};

  constructor(
    mailbox: MailboxClient | null,
    boxId: string,
    side: ResumeSide,
    receive: (sealed: Uint8Array) => void,
  ) {
    this.#mailbox = mailbox;
    this.#boxId = boxId;
    this.#side = side;
    this.#receive = receive;
  }

  /** Whether signals can travel with no connection: there is a mailbox and its box lives. */
  get hasBox(): boolean {
    return this.#mailbox !== null && this.#boxGone === null;
  }

  /** Makes the box (the first side to ask does; the other is told it exists) and listens to it. */
  async openBox(create: boolean): Promise<void> {
    const mailbox = this.#mailbox;
    if (!mailbox) return;
    if (create) {
      try {
        await mailbox.createResumeBox(this.#boxId);
      } catch (error) {
        // The other side made it first: that is the box we share.
        if (!isConnectError(error) || error.code !== 'ERR_ALREADY_USED') throw error;
      }
    }
    void this.#listen(mailbox);
  }

  /** The resume channel of the current connection (a negotiated channel both sides make). */
  useChannel(channel: RTCDataChannel | null): void {
    this.#channel = channel;
    if (!channel) return;
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (event: MessageEvent) => {
      if (this.#channel !== channel || !(event.data instanceof ArrayBuffer)) return;
      this.#receive(new Uint8Array(event.data));
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
    await this.#mailbox.postResumeSignal(
      this.#boxId,
      this.#side === 'a' ? 'b' : 'a',
      sealed,
      this.#stop.signal,
    );
    return 'box';
  }

  close(): void {
    this.#stop.abort();
    this.#channel = null;
  }

  /** Takes this side's signals from the box for as long as the box lives. */
  async #listen(mailbox: MailboxClient): Promise<void> {
    while (!this.#stop.signal.aborted) {
      try {
        const taken = await mailbox.takeResumeSignals(this.#boxId, this.#side, this.#stop.signal);
        for (const sealed of taken) this.#receive(sealed);
      } catch (error) {
        if (this.#stop.signal.aborted) return;
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
