import { decodeSignal, encodeSignal } from '@webrtc-connect/signal';
import { type Connection, closeConnection, openConnection, whenOpen } from '../core/connection.ts';
import { gatheredDescription } from '../core/gather.ts';
import { createPeerConnection } from '../core/peer-options.ts';
import { ConnectError, isConnectError } from '../errors.ts';
import { linkChannel } from '../link/link-token.ts';
import type { PendingOffer, ResumeState, SessionOptions } from './resumable-types.ts';
import {
  gatheredAfresh,
  MODE_FRESH,
  MODE_FRESH_NEGOTIATED,
  withMode,
} from './resume-descriptions.ts';
import type { ResumePost, ResumeWay } from './resume-post.ts';
import type { ResumeSealer, ResumeSide } from './resume-seal.ts';
import * as wait from './resume-timing.ts';
import type { ResumeUntil } from './resume-until.ts';

/** What the signal exchange reads of its session (resumable-session.ts) and asks of it. */
export interface ExchangeSession {
  readonly side: ResumeSide;
  readonly sealer: ResumeSealer;
  readonly post: ResumePost;
  readonly until: ResumeUntil;
  readonly options: SessionOptions;
  /** Fresh connections announce the channel in band (offer mode 1): a version 1 link's session. */
  readonly inBandChannel: boolean;
  state(): ResumeState;
  /** The current connection's peer connection, if any. */
  current(): RTCPeerConnection | undefined;
  /** This side's offer still waiting for its answer or its connection, if any. */
  pending(): PendingOffer | null;
  /** Takes `offer` as this side's pending one. */
  pend(offer: PendingOffer): void;
  dropPending(closePc: boolean): void;
  adopt(connection: Connection): void;
  /** Makes the resume channel on a new connection. */
  makeControl(pc: RTCPeerConnection): void;
  /** Whether `pc` carries (ICE and the heartbeat); whether the current connection does. */
  carries(pc: RTCPeerConnection): boolean;
  isLive(): boolean;
  /** A signal could not be sent: `pc`, the fresh connection it offered (null for an answer). */
  failedToSend(error: unknown, pc: RTCPeerConnection | null): void;
  /** Ends the session (the other side said bye). */
  end(reason: ConnectError): void;
  /** Tells the app a signal could not be used. */
  error(error: ConnectError): void;
}

/**
 * The resume signal exchange: offers fresh connections, and takes the other side's signals one
 * at a time, from the box or the channel: a fresh offer is answered with a new connection, an
 * ICE-restart offer on the current one; an answer completes this side's pending offer. Owns the
 * fresh connection being answered and the count of offers taken; when to restart or offer again
 * is the session's (resumable-session.ts).
 */
export class ResumeExchange {
  #answering: RTCPeerConnection | null = null;
  /** Offers taken from the other side so far: B restarts itself only if none came meanwhile. */
  #offersTaken = 0;
  #handling: Promise<void> = Promise.resolve();
  readonly #session: ExchangeSession;

  constructor(session: ExchangeSession) {
    this.#session = session;
  }

  /** The fresh connection being answered, until it opens or fails. */
  get answering(): RTCPeerConnection | null {
    return this.#answering;
  }

  get offersTaken(): number {
    return this.#offersTaken;
  }

  /** The other side's sealed signal: handled after those before it. */
  receive(sealed: Uint8Array, way: ResumeWay): void {
    this.#handling = this.#handling.then(() => this.#handle(sealed, way));
  }

  /** A new connection offered through the box (after a reload, or when the channel is gone). */
  async offerFresh(): Promise<void> {
    const session = this.#session;
    if (session.state() === 'closed') return;
    session.dropPending(true);
    const pc = createPeerConnection(session.options);
    const label = session.options.channelLabel ?? 'webrtc-connect';
    const channel = session.inBandChannel
      ? pc.createDataChannel(label)
      : linkChannel(pc, session.options.channelLabel);
    session.makeControl(pc);
    try {
      const offer = await gatheredDescription(
        pc,
        await pc.createOffer(),
        session.options.gatherTimeout,
      );
      const { sealed, seq } = await session.sealer.sealNumbered(
        'offer',
        withMode(session.inBandChannel ? MODE_FRESH : MODE_FRESH_NEGOTIATED, encodeSignal(offer)),
      );
      // Closed while the offer was being made: nothing else holds this connection to close it.
      if (session.state() === 'closed') {
        closeConnection(pc);
        return;
      }
      const timer = setTimeout(() => {
        if (session.pending()?.pc === pc) void this.offerFresh();
      }, wait.FRESH_ANSWER_WAIT_MS);
      session.pend({ seq, pc, channel, timer });
      await session.post.send(sealed, false);
    } catch (error) {
      session.failedToSend(error, pc);
    }
  }

  /** The session ended: the connection being answered goes with it. */
  close(): void {
    if (this.#answering) closeConnection(this.#answering);
  }

  async #handle(sealed: Uint8Array, way: ResumeWay): Promise<void> {
    const session = this.#session;
    if (session.state() === 'closed') return;
    try {
      const signal = await session.sealer.open(sealed);
      if (signal.kind === 'bye') {
        session.end(new ConnectError('ERR_CLOSED', 'the other side ended the session'));
      } else if (signal.kind === 'until') {
        session.until.take(signal.body);
      } else if (signal.kind === 'offer') {
        this.#offersTaken += 1;
        const description = decodeSignal(signal.body.subarray(1));
        const mode = signal.body[0];
        if (mode === MODE_FRESH || mode === MODE_FRESH_NEGOTIATED) {
          await this.#answerFresh(signal.seq, description, mode === MODE_FRESH);
        } else {
          await this.#answerRestart(signal.seq, description, way);
        }
      } else {
        const offerSeq = new DataView(signal.body.buffer, signal.body.byteOffset).getUint32(0);
        await this.#takeAnswer(offerSeq, decodeSignal(signal.body.subarray(4)));
      }
    } catch (error) {
      session.error(
        isConnectError(error)
          ? error
          : new ConnectError('ERR_PEER_PROTOCOL', 'a resume signal could not be used', {
              cause: error,
            }),
      );
    }
  }

  async #answerFresh(
    seq: number,
    offer: RTCSessionDescriptionInit,
    inBandChannel: boolean,
  ): Promise<void> {
    const session = this.#session;
    // Both sides offered at once (both reloaded): A's offer stands, B answers it.
    if (session.pending()?.channel && session.side === 'a') return;
    session.dropPending(true);
    if (this.#answering) closeConnection(this.#answering);
    const pc = createPeerConnection(session.options);
    this.#answering = pc;
    session.makeControl(pc);
    await pc.setRemoteDescription(offer);
    const channel = whenOpen(inBandChannel ? pc : linkChannel(pc, session.options.channelLabel));
    const answer = await gatheredDescription(
      pc,
      await pc.createAnswer(),
      session.options.gatherTimeout,
    );
    // Closed while the answer was being made: its bye is on its way, and no answer may follow.
    if (session.state() === 'closed') {
      if (this.#answering === pc) this.#answering = null;
      closeConnection(pc);
      return;
    }
    const opening = openConnection(pc, channel, Promise.resolve(), wait.FRESH_WAIT_MS * 2);
    opening.then(
      (connection) => {
        if (this.#answering === pc) this.#answering = null;
        if (session.state() === 'closed') closeConnection(pc);
        else session.adopt(connection);
      },
      () => {
        if (this.#answering === pc) this.#answering = null;
        closeConnection(pc);
      },
    );
    await this.#sendAnswer(seq, answer, false);
  }

  async #answerRestart(
    seq: number,
    offer: RTCSessionDescriptionInit,
    way: ResumeWay,
  ): Promise<void> {
    const session = this.#session;
    const pc = session.current();
    // A restart of a connection this side no longer has (reloaded, channel closed): a fresh one.
    if (!pc || pc.signalingState === 'closed') {
      if (!session.pending() && !this.#answering) void this.offerFresh();
      return;
    }
    if (pc.signalingState === 'have-local-offer') {
      // Both restarted at once: A's stands.
      if (session.side === 'a') return;
      session.dropPending(false);
      await pc.setLocalDescription({ type: 'rollback' });
    }
    await pc.setRemoteDescription(offer);
    const answer = await gatheredAfresh(pc, await pc.createAnswer(), session.options.gatherTimeout);
    if (session.state() === 'closed') return;
    // From the box: the channel does not carry for the other side, though it may look live.
    await this.#sendAnswer(seq, answer, way === 'channel' && session.isLive());
  }

  async #takeAnswer(offerSeq: number, answer: RTCSessionDescriptionInit): Promise<void> {
    const session = this.#session;
    const pending = session.pending();
    // An answer to an offer given up since: its connection is gone.
    if (!pending || pending.seq !== offerSeq) return;
    await pending.pc.setRemoteDescription(answer);
    if (!pending.channel) {
      // A restart: the connection's own state says when it is back. One that does not come back
      // soon after its answer will not (Chromium keeps resolving the other side's mDNS name to
      // the address it had before the change): a fresh connection then, without waiting longer.
      clearTimeout(pending.timer);
      pending.timer = setTimeout(
        () => {
          if (session.pending() === pending && !session.carries(pending.pc)) void this.offerFresh();
        },
        pending.forChange ? wait.RESTART_CONNECT_AFTER_CHANGE_MS : wait.RESTART_CONNECT_MS,
      );
      return;
    }
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      if (session.pending() === pending) void this.offerFresh();
    }, wait.FRESH_WAIT_MS);
    openConnection(
      pending.pc,
      whenOpen(pending.channel),
      Promise.resolve(),
      wait.FRESH_WAIT_MS,
    ).then(
      (connection) => {
        if (session.state() === 'closed') closeConnection(connection.peerConnection);
        else session.adopt(connection);
      },
      () => {
        // The next fresh offer (its timer) tries again.
      },
    );
  }

  async #sendAnswer(
    offerSeq: number,
    answer: RTCSessionDescriptionInit,
    live: boolean,
  ): Promise<void> {
    const encoded = encodeSignal(answer);
    const body = new Uint8Array(4 + encoded.length);
    new DataView(body.buffer).setUint32(0, offerSeq);
    body.set(encoded, 4);
    const sealed = await this.#session.sealer.seal('answer', body);
    // Closed while it was sealed: the bye went first, and is the last word.
    if (this.#session.state() === 'closed') return;
    await this.#session.post.send(sealed, live);
  }
}
