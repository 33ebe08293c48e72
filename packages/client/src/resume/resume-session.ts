import type { Connection } from '../core/connection.ts';
import { checkPeerOptions } from '../core/peer-options.ts';
import { ConnectError } from '../errors.ts';
import { readLinkToken } from '../link/link-token.ts';
import { MailboxClient } from '../link/mailbox-client.ts';
import { Session } from './resumable-session.ts';
import type { ResumableSession, SessionOptions } from './resumable-types.ts';
import { type ResumeCounters, ResumeSealer, type ResumeSide } from './resume-seal.ts';

/**
 * What a page keeps (in `sessionStorage`: it holds the link secret, so never in a URL or a
 * server's reach) to resume its session after a reload. `onTicket` is told each change.
 */
export interface ResumeTicket {
  version: 1;
  /** The link both sides used: its fragment holds the secret the resume keys come from. */
  link: string;
  /** `a` made the link, `b` opened it. */
  side: ResumeSide;
  /** The mailbox the resume box is in; null when there is none (no resume after a reload). */
  mailbox: string | null;
  counters: ResumeCounters;
  /** Until when the session can be resumed (ISO 8601), once this side knows. */
  resumableUntil?: string;
  /**
   * The number of the last signal this side took from its side of the resume box: its next
   * wait acknowledges up to it. Missing from tickets kept before the box numbered its signals
   * (0 then: the box answers what it still holds again, and the sequence numbers inside the
   * seals refuse what was already taken).
   */
  boxTaken?: number;
}

export interface ResumeOptions extends SessionOptions {
  /** The mailbox's URL (default: the link's origin when it is http(s)); null for none. */
  mailbox?: string | null;
  /** Told the ticket at once and whenever it changes: store it to resume after a reload. */
  onTicket?: (ticket: ResumeTicket) => void;
}

/** Connections given to makeResumable: each has its one resume channel. */
const madeResumable = new WeakSet<RTCPeerConnection>();

/**
 * Makes a connected link session resumable (both sides call it once connected, `a` on the
 * Invitation's side, `b` on the Acceptance's): a network change is healed by an ICE restart
 * (A restarts; over the live channel when it still carries, else through the resume box), and
 * a reload of either page by `resumeSession` with the ticket that page kept.
 */
export async function makeResumable(
  connection: Connection,
  link: string,
  side: ResumeSide,
  options: ResumeOptions,
): Promise<ResumableSession> {
  checkPeerOptions(options);
  if (madeResumable.has(connection.peerConnection))
    throw new ConnectError('ERR_INVALID_ARGUMENT', 'this connection is already resumable');
  madeResumable.add(connection.peerConnection);
  const mailbox = mailboxOf(link, options.mailbox);
  const ticket: ResumeTicket = {
    version: 1,
    link,
    side,
    mailbox,
    counters: { sent: 0, received: 0 },
    boxTaken: 0,
  };
  const session = await sessionFor(ticket, options, 'connected');
  session.adopt(connection);
  // Whichever side asks first makes the box, and is told its expiry; without it (no mailbox,
  // or the server refused) the session still resumes what it can over its channel.
  const expiresAt = await session.post.openBox(true).catch(() => undefined);
  if (expiresAt !== undefined) session.learnUntil(Date.parse(expiresAt));
  else if (mailbox !== null) session.askUntil();
  return session;
}

/**
 * Resumes after a reload, from the ticket the page kept: offers a fresh connection through the
 * resume box and waits for the other side (which shows "reconnecting" meanwhile). The session
 * starts `reconnecting`; `connected()` resolves with the new connection. Fails at once with
 * ERR_NO_MAILBOX when the ticket has no mailbox, later (state `closed`) with ERR_EXPIRED when
 * the link's time is over.
 */
export async function resumeSession(
  ticket: ResumeTicket,
  options: ResumeOptions,
): Promise<ResumableSession> {
  checkPeerOptions(options);
  checkTicket(ticket);
  if (ticket.mailbox === null)
    throw new ConnectError(
      'ERR_NO_MAILBOX',
      'a session with no mailbox cannot resume after a reload: make a new link',
    );
  const session = await sessionFor(ticket, options, 'reconnecting');
  // Reloaded before it knew until when: it asks on the connection the resume makes.
  if (session.resumableUntil === null) session.askUntil();
  await session.post.openBox(false);
  void session.offerFresh();
  return session;
}

async function sessionFor(
  ticket: ResumeTicket,
  options: ResumeOptions,
  state: 'connected' | 'reconnecting',
): Promise<Session> {
  const token = readLinkToken(ticket.link);
  const kept = { ...ticket, counters: { ...ticket.counters } };
  const sealer = await ResumeSealer.create(
    token.secret,
    ticket.side,
    ticket.counters,
    (counters) => {
      kept.counters = counters;
      options.onTicket?.({ ...kept });
    },
  );
  options.onTicket?.({ ...kept });
  const mailbox = ticket.mailbox === null ? null : new MailboxClient(ticket.mailbox);
  // A version 1 link was made by an older A: its side may still run that version, so fresh
  // connections keep its in-band channel (offer mode 1), which it knows.
  const session = new Session(sealer, mailbox, options, state, {
    boxTaken: ticket.boxTaken ?? 0,
    inBandChannel: token.inBandChannel === true,
  });
  if (ticket.resumableUntil !== undefined) session.learnUntil(Date.parse(ticket.resumableUntil));
  session.onUntil = (until) => {
    kept.resumableUntil = new Date(until).toISOString();
    options.onTicket?.({ ...kept });
  };
  session.post.onBoxTaken = (seq) => {
    kept.boxTaken = seq;
    options.onTicket?.({ ...kept });
  };
  return session;
}

function mailboxOf(link: string, given: string | null | undefined): string | null {
  if (given !== undefined) return given;
  try {
    const url = new URL(link);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

function checkTicket(ticket: ResumeTicket): void {
  const ok =
    typeof ticket === 'object' &&
    ticket !== null &&
    ticket.version === 1 &&
    typeof ticket.link === 'string' &&
    (ticket.side === 'a' || ticket.side === 'b') &&
    (ticket.mailbox === null || typeof ticket.mailbox === 'string') &&
    (ticket.resumableUntil === undefined || typeof ticket.resumableUntil === 'string') &&
    typeof ticket.counters === 'object' &&
    ticket.counters !== null &&
    (ticket.boxTaken === undefined ||
      (Number.isSafeInteger(ticket.boxTaken) && ticket.boxTaken >= 0));
  if (!ok) throw new ConnectError('ERR_INVALID_ARGUMENT', 'not a resume ticket');
}
