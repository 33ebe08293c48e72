import { encodeSignal } from '@webrtc-connect/signal';
import { type Connection, closeConnection } from '../core/connection.ts';
import { Emitter } from '../core/emitter.ts';
import { ConnectError, isConnectError } from '../errors.ts';
import type { MailboxClient } from '../link/mailbox-client.ts';
import type {
  PendingOffer,
  ResumableSession,
  ResumableSessionEvents,
  ResumeState,
  SessionOptions,
} from './resumable-types.ts';
import { whenConnected } from './resume-connected.ts';
import { gatheredAfresh, MODE_RESTART, withMode } from './resume-descriptions.ts';
import { ResumeExchange } from './resume-exchange.ts';
import { HeartbeatSlot } from './resume-heartbeat.ts';
import { type NetworkChange, watchNetwork } from './resume-network.ts';
import { ResumePost } from './resume-post.ts';
import type { ResumeSealer, ResumeSide } from './resume-seal.ts';
import * as wait from './resume-timing.ts';
import { ResumeUntil } from './resume-until.ts';

/** The resume channel's id: negotiated (both sides make it), apart from the app's channels. */
export const RESUME_CHANNEL_ID = 101;

/**
 * The state machine behind `makeResumable` and `resumeSession`: the session's state, watching
 * the current connection, restarting ICE on trouble or a network change, and closing. Signals
 * are made, taken and answered by its exchange (resume-exchange.ts).
 */
export class Session implements ResumableSession {
  readonly side: ResumeSide;
  #state: ResumeState;
  #current: Connection | null = null;
  #pending: PendingOffer | null = null;
  #troubleTimer: ReturnType<typeof setTimeout> | undefined;
  /** B's own restart when A's does not come (B_RESTART_WAIT_MS). */
  #ownRestartTimer: ReturnType<typeof setTimeout> | undefined;
  /** The current connection's heartbeat (resume-heartbeat.ts). */
  readonly #heartbeat = new HeartbeatSlot();
  #restarting = false;
  /** Changes of this device's network seen while down: a restart gathered across one is stale. */
  #networkChanges = 0;
  readonly #stopWatchingNetwork: () => void;
  #closeReason: ConnectError | null = null;
  readonly #sealer: ResumeSealer;
  readonly #post: ResumePost;
  readonly #options: SessionOptions;
  readonly #controls = new WeakMap<RTCPeerConnection, RTCDataChannel>();
  readonly #events = new Emitter<ResumableSessionEvents>();
  readonly #until: ResumeUntil;
  /** Fresh offers, and the other side's signals taken and answered (resume-exchange.ts). */
  readonly #exchange: ResumeExchange;
  /** Told when `resumableUntil` changes (the ticket keeps it). */
  onUntil: ((until: number) => void) | undefined;

  constructor(
    sealer: ResumeSealer,
    mailbox: MailboxClient | null,
    options: SessionOptions,
    state: ResumeState,
    { boxTaken = 0, inBandChannel = false }: { boxTaken?: number; inBandChannel?: boolean } = {},
  ) {
    this.side = sealer.side;
    this.#sealer = sealer;
    this.#options = options;
    this.#state = state;
    this.#post = new ResumePost(
      mailbox,
      sealer.boxId,
      sealer.side,
      (sealed, way) => this.#exchange.receive(sealed, way),
      boxTaken,
    );
    this.#until = new ResumeUntil(
      sealer,
      () => {
        const pc = this.#current?.peerConnection;
        return pc && this.#controls.get(pc);
      },
      () => this.#state === 'closed',
      (until) => {
        this.onUntil?.(until);
        this.#events.emit('until', new Date(until));
      },
    );
    this.#exchange = new ResumeExchange({
      side: sealer.side,
      sealer,
      post: this.#post,
      until: this.#until,
      options,
      inBandChannel,
      state: () => this.#state,
      current: () => this.#current?.peerConnection,
      pending: () => this.#pending,
      pend: (offer) => {
        this.#pending = offer;
      },
      dropPending: (closePc) => this.#dropPending(closePc),
      adopt: (connection) => this.adopt(connection),
      makeControl: (pc) => this.#makeControl(pc),
      carries: (pc) => this.#carries(pc),
      isLive: () => this.#isLive(),
      failedToSend: (error, pc) => this.#failedToSend(error, pc),
      end: (reason) => this.#closeFor(reason),
      error: (error) => this.#events.emit('error', error),
    });
    this.#post.onBoxGone = (error) => {
      if (this.#state !== 'connected') this.#closeFor(error);
    };
    this.#stopWatchingNetwork = watchNetwork((change) => this.#onNetworkChange(change));
  }

  get state(): ResumeState {
    return this.#state;
  }

  get connection(): Connection | null {
    return this.#current;
  }

  get canResumeAfterReload(): boolean {
    return this.#post.hasBox;
  }

  get resumableUntil(): Date | null {
    const until = this.#until.value;
    return until === null ? null : new Date(until);
  }

  /** Until when the session can be resumed: the box's expiry, as the mailbox said it. */
  learnUntil(until: number): void {
    this.#until.learn(until);
  }

  /** Asks the other side until when the session can be resumed (it made the box). */
  askUntil(): void {
    this.#until.ask();
  }

  get closeReason(): ConnectError | null {
    return this.#closeReason;
  }

  get post(): ResumePost {
    return this.#post;
  }

  on<K extends keyof ResumableSessionEvents>(
    type: K,
    listener: (event: ResumableSessionEvents[K]) => void,
  ): () => void {
    return this.#events.on(type, listener);
  }

  connected(): Promise<Connection> {
    return whenConnected(this);
  }

  async restartIce(): Promise<void> {
    if (this.#state === 'closed') throw this.#closeReason ?? new ConnectError('ERR_CLOSED', '');
    if (this.#current) await this.#restart();
    else await this.offerFresh();
  }

  close(): void {
    if (this.#state === 'closed') return;
    // The live connection stays open until the bye is on its way: a browser's channel still
    // says `open` for a moment after its connection closed, and drops what is sent then (the
    // other page went on waiting for a resume). The box carries it too, in case the channel
    // does not deliver before it closes; whichever comes second is ignored there.
    const live = this.#isLive() ? this.#current?.peerConnection : undefined;
    const hasBox = this.#post.hasBox;
    this.#closeFor(new ConnectError('ERR_CLOSED', 'the session was closed'), false, live);
    this.#sealer
      .seal('bye')
      .then(async (sealed) => {
        if (live) await this.#post.send(sealed, true).catch(() => {});
        if (hasBox) await this.#post.send(sealed, false);
      })
      .catch(() => {})
      .finally(() => {
        if (live) closeConnection(live);
        this.#post.close();
      });
  }

  detach(): void {
    this.#closeFor(new ConnectError('ERR_CLOSED', 'the session was detached here'));
  }

  /** Takes `connection` as the current one: the first, or one a resume opened. */
  adopt(connection: Connection): void {
    const old = this.#current;
    const pc = connection.peerConnection;
    if (old && old.peerConnection !== pc) closeConnection(old.peerConnection);
    if (this.#pending?.pc === pc) this.#dropPending(false);
    this.#current = connection;
    if (!this.#controls.has(pc)) this.#makeControl(pc);
    this.#post.useChannel(this.#controls.get(pc) ?? null);
    this.#watch(connection);
    this.#setState('connected');
    if (old?.peerConnection !== pc) this.#events.emit('connection', connection);
    this.#until.connected();
  }

  /** A new connection offered through the box (after a reload, or when the channel is gone). */
  offerFresh(): Promise<void> {
    return this.#exchange.offerFresh();
  }

  /** `forChange`: because this device's network changed (RESTART_CONNECT_AFTER_CHANGE_MS). */
  async #restart(forChange = false): Promise<void> {
    const pc = this.#current?.peerConnection;
    if (!pc || this.#pending || this.#restarting || pc.signalingState !== 'stable') return;
    this.#restarting = true;
    const networkChanges = this.#networkChanges;
    try {
      const offer = await gatheredAfresh(
        pc,
        await pc.createOffer({ iceRestart: true }),
        this.#options.gatherTimeout,
      );
      // The other side's restart came meanwhile and this side answered it instead (B).
      if ((pc.signalingState as RTCSignalingState) !== 'have-local-offer') return;
      const changed = () => networkChanges !== this.#networkChanges;
      if (!offer.sdp?.includes('a=candidate') || changed()) {
        // No network to gather on (between two networks): an offer now could never connect,
        // and the fresh connection after it would come only later. Try again shortly; at once
        // if the network changed meanwhile (what was gathered is gone, or about to be).
        await pc.setLocalDescription({ type: 'rollback' });
        clearTimeout(this.#troubleTimer);
        this.#troubleTimer = setTimeout(
          () => {
            if (this.#current?.peerConnection === pc && !this.#carries(pc))
              void this.#restart(forChange || changed());
          },
          changed() ? 0 : wait.NO_NETWORK_RETRY_MS,
        );
        return;
      }
      const { sealed, seq } = await this.#sealer.sealNumbered(
        'offer',
        withMode(MODE_RESTART, encodeSignal(offer)),
      );
      const timer = setTimeout(() => {
        // The restart did not bring the connection back: a fresh one instead.
        if (this.#pending?.pc === pc && !this.#carries(pc)) void this.offerFresh();
      }, wait.RESTART_WAIT_MS);
      this.#pending = { seq, pc, channel: null, timer, forChange };
      await this.#post.send(sealed, this.#isLive());
    } catch (error) {
      this.#failedToSend(error, null);
    } finally {
      this.#restarting = false;
    }
  }

  #watch(connection: Connection): void {
    const pc = connection.peerConnection;
    const isCurrent = () => this.#current?.peerConnection === pc;
    const back = () => {
      if (!this.#carries(pc)) return;
      clearTimeout(this.#troubleTimer);
      clearTimeout(this.#ownRestartTimer);
      if (this.#pending?.pc === pc) this.#dropPending(false);
      this.#setState('connected');
    };
    const down = () => {
      this.#setState('reconnecting');
      clearTimeout(this.#troubleTimer);
      this.#troubleTimer = setTimeout(() => {
        if (isCurrent() && !this.#carries(pc)) this.#onTrouble();
      }, wait.DISCONNECTED_GRACE_MS);
    };
    this.#heartbeat.watch(
      pc,
      this.#controls.get(pc),
      (probed) => {
        if (!isCurrent() || this.#state !== 'connected') return;
        if (!probed) return down();
        // Unanswered right after this device's network changed: no grace, the path is gone.
        this.#setState('reconnecting');
        clearTimeout(this.#troubleTimer);
        this.#onTrouble(true);
      },
      () => isCurrent() && this.#state !== 'closed' && back(),
    );
    pc.addEventListener('connectionstatechange', () => {
      if (!isCurrent() || this.#state === 'closed') return;
      switch (pc.connectionState) {
        case 'connected':
          back();
          break;
        case 'disconnected':
          down();
          break;
        case 'failed':
          this.#setState('reconnecting');
          this.#onTrouble();
          break;
        case 'closed':
          this.#onChannelGone(pc);
          break;
      }
    });
    connection.channel.addEventListener('close', () => {
      if (isCurrent()) this.#onChannelGone(pc);
    });
  }

  /**
   * ICE broke: A restarts it; B too if A's restart does not come (A's path may look fine), or
   * at once when B's own network changed (A may not notice for seconds; if both restart, A's
   * offer stands).
   */
  #onTrouble(networkChanged = false): void {
    if (this.side === 'a' || networkChanged) {
      clearTimeout(this.#ownRestartTimer);
      if (!this.#pending) void this.#restart(networkChanged);
      return;
    }
    const pc = this.#current?.peerConnection;
    const offers = this.#exchange.offersTaken;
    clearTimeout(this.#ownRestartTimer);
    this.#ownRestartTimer = setTimeout(() => {
      const down = pc && this.#current?.peerConnection === pc && !this.#carries(pc);
      if (down && this.#exchange.offersTaken === offers && !this.#pending) void this.#restart();
    }, wait.B_RESTART_WAIT_MS);
  }

  /**
   * This device's network went, came back or changed (resume-network.ts): the path is checked
   * now, not when ICE or the heartbeat's count tells, seconds later.
   */
  #onNetworkChange(change: NetworkChange): void {
    if (this.#state === 'closed') return;
    // Gone: nothing can be done until it is back (what is sent now only waits for it).
    if (change === 'offline') return;
    if (this.#state === 'connected') {
      // It may still carry (the old network stayed beside the new, or came back in time): a
      // healthy path answers the heartbeat's ask at once and is left alone.
      const pc = this.#current?.peerConnection;
      if (pc) this.#heartbeat.probe(pc);
      return;
    }
    this.#networkChanges += 1;
    this.#offerAgainNow(this.#current?.peerConnection);
  }

  /**
   * Down, and this device is on a network again (or another): what it offered before was
   * gathered on the old one (or none), and its waits to retry are no use now.
   */
  #offerAgainNow(pc: RTCPeerConnection | undefined): void {
    const pending = this.#pending;
    if (pending?.channel) {
      // A fresh offer not yet answered: make it again here. One answered is connecting.
      if (!pending.pc.remoteDescription) void this.offerFresh();
      return;
    }
    // The channel closed and nothing is offered yet: that wait's offer comes soon enough. An
    // offer of the other side's being answered now (have-remote-offer) is left to finish.
    if (!pc || pc.signalingState === 'have-remote-offer') return;
    clearTimeout(this.#troubleTimer);
    clearTimeout(this.#ownRestartTimer);
    void this.#restartAgain(pc);
  }

  /** Drops this side's restart in flight, if any, and restarts ICE on `pc` now. */
  async #restartAgain(pc: RTCPeerConnection): Promise<void> {
    if (this.#pending?.pc === pc) {
      this.#dropPending(false);
      if (pc.signalingState === 'have-local-offer') {
        try {
          await pc.setLocalDescription({ type: 'rollback' });
        } catch {
          // Closed meanwhile: its close event tells the session.
          return;
        }
      }
    }
    if (this.#current?.peerConnection === pc && this.#state === 'reconnecting') {
      await this.#restart(true);
    }
  }

  /** The channel closed: the other side reloaded (it will offer afresh) or the connection died. */
  #onChannelGone(pc: RTCPeerConnection): void {
    if (this.#state === 'closed') return;
    this.#stopTimers();
    this.#current = null;
    this.#post.useChannel(null);
    closeConnection(pc);
    if (this.#pending?.pc === pc) this.#dropPending(false);
    this.#setState('reconnecting');
    if (!this.#post.hasBox) {
      this.#closeFor(
        new ConnectError(
          'ERR_CLOSED',
          'the connection closed, and with no mailbox nothing can carry a resume',
        ),
      );
      return;
    }
    // A offers afresh unless a reloaded B does first; B too, a moment later (A may not have
    // noticed anything). If both offer, A's stands.
    this.#troubleTimer = setTimeout(
      () => !this.#current && !this.#pending && !this.#exchange.answering && void this.offerFresh(),
      wait.CHANNEL_CLOSED_WAIT_MS + (this.side === 'a' ? 0 : wait.B_FRESH_DELAY_MS),
    );
  }

  #failedToSend(error: unknown, pc: RTCPeerConnection | null): void {
    if (this.#pending?.pc === pc) this.#dropPending(true);
    else if (pc) closeConnection(pc);
    const failure = isConnectError(error)
      ? error
      : new ConnectError('ERR_MAILBOX', 'a resume signal could not be sent', { cause: error });
    if (failure.code === 'ERR_EXPIRED' || failure.code === 'ERR_NO_MAILBOX') {
      if (this.#state !== 'connected') this.#closeFor(failure);
      return;
    }
    this.#events.emit('error', failure);
    // Unsent, so unanswered: a fresh offer goes again once its wait is over.
    if (this.#state === 'reconnecting' && !this.#current && (this.side === 'a' || !pc)) {
      this.#troubleTimer = setTimeout(() => void this.offerFresh(), wait.FRESH_WAIT_MS / 3);
    }
  }

  #dropPending(closePc: boolean): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = null;
    clearTimeout(pending.timer);
    if (closePc && pending.channel) closeConnection(pending.pc);
  }

  #makeControl(pc: RTCPeerConnection): void {
    this.#controls.set(
      pc,
      pc.createDataChannel('webrtc-connect-resume', { negotiated: true, id: RESUME_CHANNEL_ID }),
    );
  }

  #stopTimers(): void {
    clearTimeout(this.#troubleTimer);
    clearTimeout(this.#ownRestartTimer);
    this.#heartbeat.stop();
  }

  #isLive(): boolean {
    const pc = this.#current?.peerConnection;
    return pc !== undefined && this.#carries(pc);
  }

  /** Whether `pc` carries: ICE reads `connected` and, if it is the current, the other side beats. */
  #carries(pc: RTCPeerConnection): boolean {
    return pc.connectionState === 'connected' && !this.#heartbeat.silentFor(pc);
  }

  #setState(state: ResumeState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.#state = state;
    this.#post.hurry(state === 'reconnecting');
    this.#events.emit('state', state);
  }

  /** Ends the session; `keep` is a connection the caller closes itself, a moment later. */
  #closeFor(reason: ConnectError, closePost = true, keep?: RTCPeerConnection): void {
    if (this.#state === 'closed') return;
    this.#closeReason = reason;
    this.#stopWatchingNetwork();
    this.#stopTimers();
    this.#dropPending(true);
    this.#exchange.close();
    if (this.#current && this.#current.peerConnection !== keep)
      closeConnection(this.#current.peerConnection);
    if (closePost) this.#post.close();
    this.#setState('closed');
  }
}
