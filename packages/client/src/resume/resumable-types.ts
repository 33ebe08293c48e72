import type { Connection } from '../core/connection.ts';
import type { PeerOptions } from '../core/peer-options.ts';
import type { ConnectError } from '../errors.ts';
import type { ResumeSide } from './resume-seal.ts';

export type ResumeState = 'connected' | 'reconnecting' | 'closed';

export interface ResumableSessionEvents {
  /** `reconnecting` while the connection is down and being resumed; `closed` for good. */
  state: ResumeState;
  /** A new connection replaced the last (after a reload of either side): a new data channel. */
  connection: Connection;
  /** A resume signal was refused (ERR_REPLAYED, ERR_FORGED) or could not be sent; it goes on. */
  error: ConnectError;
  /** This side learnt (or learnt anew) until when the session can be resumed: `resumableUntil`. */
  until: Date;
}

/** A link session that resumes after a network change (ICE restart) or a reload (a fresh offer). */
export interface ResumableSession {
  readonly side: ResumeSide;
  readonly state: ResumeState;
  /** The connection now, or null while a reloaded page has none yet. */
  readonly connection: Connection | null;
  /** Whether a reload can be resumed: only through a mailbox, while the link lives. */
  readonly canResumeAfterReload: boolean;
  /**
   * Until when the session can be resumed: its resume box's expiry, as the mailbox said it to the
   * side that made the box (which tells the other over their connection), kept in the ticket
   * across a reload. Null while this side does not know it (no mailbox, or not told yet: the
   * `until` event says when it is). By the mailbox's clock.
   */
  readonly resumableUntil: Date | null;
  /** Why the session closed (ERR_CLOSED when a side ended it, ERR_EXPIRED when time ran out). */
  readonly closeReason: ConnectError | null;
  /** The connection once there is one (now, or the next); rejects once the session is closed. */
  connected(): Promise<Connection>;
  on<K extends keyof ResumableSessionEvents>(
    type: K,
    listener: (event: ResumableSessionEvents[K]) => void,
  ): () => void;
  /** Restarts ICE now (after the app saw the network change): over the channel if it is up. */
  restartIce(): Promise<void>;
  /** Ends the session for good, and tells the other side so. */
  close(): void;
  /**
   * Stops the session here without telling the other side, as a page being unloaded or
   * reloaded does: the other side shows `reconnecting` and waits for a resume.
   */
  detach(): void;
}

export interface SessionOptions extends PeerOptions {
  /**
   * Label of the data channel of a fresh connection (after a reload; default "webrtc-connect").
   * Each side makes that channel itself, so each side's own label is the one it sees.
   */
  channelLabel?: string;
}

/** An offer of this side's waiting for its answer (internal to the session). */
export interface PendingOffer {
  seq: number;
  pc: RTCPeerConnection;
  /** The app's channel of a fresh connection (none for a restart). */
  channel: RTCDataChannel | null;
  timer: ReturnType<typeof setTimeout>;
  /** A restart made because this device's network changed (it gives way to a fresh one sooner). */
  forChange?: boolean;
}
