import {
  type Connection,
  createMessenger,
  FileResume,
  type Messenger,
  type MessengerEvents,
} from 'webrtc-connect';
import {
  makeResumable,
  type ResumableSession,
  type ResumeTicket,
  resumeSession,
} from 'webrtc-connect/link';
import { drawAttention } from './attention.ts';
import { type ConnectionStatus, connectionStatus } from './connection-status.ts';
import { deviceName } from './device-name.ts';
import { h, startAgain } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { appIceServers } from './ice-servers.ts';
import { forgetReceived } from './received-store.ts';
import { resumeWait } from './resume-wait.ts';
import { forgetHistory, type SessionHistory, sessionHistory } from './session-history.ts';
import { sessionChat, showSession } from './session-view.ts';
import { receivedBytesStore } from './transfer-store.ts';

/** Which side of which link this page is. */
export interface LinkSide {
  link: string;
  side: 'a' | 'b';
  /** The mailbox the session may resume through; null when it was made with no server at all. */
  mailbox: string | null;
  /** How long the session can be resumed, when this side knows (A, from its link's lifetime). */
  resumableMs?: number;
}

/**
 * What a page keeps to resume its session after a reload. Session storage: it lives as long as
 * the tab, is never sent anywhere, and holds the link secret only on this device.
 */
const TICKET_KEY = 'webrtc-connect:resume-ticket';

/** The ticket this tab kept for the page now open, if any (B's must be for this very link). */
export function keptTicket(): ResumeTicket | null {
  let ticket: ResumeTicket;
  try {
    const text = sessionStorage.getItem(TICKET_KEY);
    if (!text) return null;
    ticket = JSON.parse(text) as ResumeTicket;
  } catch {
    return null;
  }
  const forThisPage =
    ticket.side === 'a' ? location.hash.length <= 1 : ticket.link === location.href;
  if (!forThisPage) forgetTicket();
  return forThisPage ? ticket : null;
}

/**
 * Links whose session ended on this page: the library still tells a ticket after the end (the
 * bye it seals moves its counters), which must not bring the ended session back on a reload.
 */
const ended = new Set<string>();

function keepTicket(ticket: ResumeTicket): void {
  if (ended.has(ticket.link)) return;
  try {
    sessionStorage.setItem(TICKET_KEY, JSON.stringify(ticket));
  } catch {
    // Storage refused (a private mode): a reload cannot resume, the session still works.
  }
}

function forgetTicket(link?: string): void {
  if (link) ended.add(link);
  try {
    sessionStorage.removeItem(TICKET_KEY);
  } catch {}
}

const RESUMED_STEPS: ReadonlyArray<[string, string]> = [
  ['reconnecting', 'Reconnecting…'],
  ['connected', 'Connected'],
];

async function sessionOptions(mailbox: string | null) {
  return {
    RTCPeerConnection,
    iceServers: await appIceServers(),
    mailbox,
    onTicket: keepTicket,
  };
}

/**
 * A connected link session made resumable, and shown at once (called by followConnection):
 * in the same turn as the connection, so the names said on their channel find it open.
 */
export function followResumable(
  body: HTMLElement,
  status: ConnectionStatus,
  connection: Connection,
  { link, side, mailbox, resumableMs }: LinkSide,
  again?: () => void,
): void {
  const session = sessionOptions(mailbox).then((options) =>
    makeResumable(connection, link, side, options),
  );
  // Only a session a reload can resume keeps its chat: with no mailbox a reload ends it.
  const history = mailbox === null ? undefined : sessionHistory(link, resumableMs);
  showResumable(body, status, session, connection, link, again, history);
}

/** A reloaded page with a kept ticket: resumes the session it had, with no new link or code. */
export function showResumedPage(
  container: HTMLElement,
  ticket: ResumeTicket,
  /** What "Make a new link" does once the session is over (A's page); none: back home. */
  again?: () => void,
): void {
  const status = connectionStatus(RESUMED_STEPS);
  const body = h('div', { class: 'resumed' });
  container.replaceChildren(status.element, body);
  status.set('reconnecting');
  body.append(
    h(
      'p',
      { class: 'hint', 'data-testid': 'resume-hint' },
      'This page was reloaded: it joins the other device again, with the same link.',
    ),
  );
  const history = ticket.mailbox === null ? undefined : sessionHistory(ticket.link);
  // The chat it had, to read while the other device comes back (or does not: it may have closed
  // its page); the live session replaces it.
  if (history?.entries().some((entry) => entry.kind !== 'file')) {
    const kept = sessionChat(history);
    kept.chat.setDisabled(true);
    body.append(kept.peerLine, kept.chat.element);
  }
  let stopped = false;
  sessionOptions(ticket.mailbox)
    .then((options) => resumeSession(ticket, options))
    .then(async (session) => {
      // The other device may have closed its page rather than reloaded it: say how long this
      // one goes on trying, and let the person stop.
      followUntil(session, history);
      const waiting = history
        ? resumeWait(
            body,
            () => history.until,
            () => {
              stopped = true;
              session.close();
            },
            'Joining the other device again: it may have closed its page.',
          )
        : undefined;
      const connection = await session.connected().finally(() => waiting?.stop());
      status.set('connected');
      drawAttention('Connected');
      showResumable(
        body,
        status,
        Promise.resolve(session),
        connection,
        ticket.link,
        again,
        history,
      );
      newCodeNote(body);
    })
    .catch((error: unknown) => {
      forgetTicket(ticket.link);
      forgetHistory();
      void forgetReceived(ticket.link).catch(() => {});
      status.fail(
        stopped
          ? 'You stopped waiting: the session is over. Make a new link to connect again.'
          : describeError(error, 'connection'),
        errorCode(error),
      );
      // What was said stays on the page to read (it is no longer kept).
      body.querySelector('[data-testid="resume-hint"]')?.remove();
      body.append(startAgain(again));
    });
}

function showResumable(
  body: HTMLElement,
  status: ConnectionStatus,
  resumable: Promise<ResumableSession>,
  connection: Connection,
  link: string,
  again?: () => void,
  history?: SessionHistory,
): void {
  // Transfers in flight go on over the session's next connection, and after a reload; so do
  // texts the other device has not acknowledged.
  const resume = fileResume(history);
  const messenger = followingMessenger(resumable, connection, resume);
  showSession(
    body,
    connection,
    messenger,
    history ? { resume, link, history } : { resume, link },
    history,
  );
  const input = body.querySelector<HTMLInputElement>('[data-testid="message-input"]');
  const disconnect = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'disconnect' },
    'Disconnect',
  );
  // Ended here (Disconnect, Stop waiting) rather than by the other side or by time.
  let endedHere = false;
  const end = (session: ResumableSession) => {
    endedHere = true;
    session.close();
  };
  disconnect.addEventListener('click', () => {
    disconnect.disabled = true;
    endedHere = true;
    resumable.then(
      (session) => end(session),
      () => connection.peerConnection.close(),
    );
  });
  body.querySelector('.sas-panel')?.append(disconnect);
  let waiting: { stop(): void } | undefined;
  messenger.on('close', () => {
    waiting?.stop();
    disconnect.remove();
    forgetTicket(link);
    // The session is over: nothing of it stays in this tab.
    if (history) {
      history.forget();
      void forgetReceived(link).catch(() => {});
    }
    resumable.then(
      (session) => resume.close(session.closeReason ?? undefined),
      () => resume.close(),
    );
    resumable.then(
      (session) =>
        status.fail(
          endedHere
            ? 'You ended the session: make a new link to connect again.'
            : describeError(session.closeReason, 'connection'),
          errorCode(session.closeReason),
        ),
      () => status.fail('The other side left.', 'ERR_CLOSED'),
    );
    if (input) input.disabled = true;
    body.append(startAgain(again));
  });
  resumable.then(
    (session) => {
      followUntil(session, history);
      session.on('connection', (resumed) => {
        // A new connection has new keys: both sides show its code.
        const sas = body.querySelector('[data-testid="sas"]');
        if (sas) sas.textContent = resumed.shortAuthenticationString;
        newCodeNote(body);
      });
      session.on('state', (state) => {
        if (state === 'reconnecting') {
          status.set('reconnecting', 'Reconnecting… the other device is away for a moment');
          if (history && !waiting)
            waiting = resumeWait(
              body,
              () => history.until,
              () => end(session),
            );
        } else if (state === 'connected') {
          waiting?.stop();
          waiting = undefined;
          status.set('connected');
        }
      });
      guardLeaving(session);
    },
    () => {},
  );
}

/** The history keeps until when the session can be resumed as the session learns it. */
function followUntil(session: ResumableSession, history: SessionHistory | undefined): void {
  if (!history) return;
  if (session.resumableUntil) history.setUntil(session.resumableUntil.getTime());
  session.on('until', (until) => history.setUntil(until.getTime()));
}

/** The session's FileResume, with the chat state this tab kept, and keeping it as it changes. */
function fileResume(history: SessionHistory | undefined): FileResume {
  const texts = history?.keptTexts();
  let resume: FileResume;
  try {
    resume = new FileResume({ store: receivedBytesStore, ...(texts ? { texts } : {}) });
  } catch {
    // Kept by another version of the app: the chat goes on without it.
    resume = new FileResume({ store: receivedBytesStore });
  }
  if (history) {
    history.keepTexts(resume.texts.kept());
    resume.on('texts', (kept) => history.keepTexts(kept));
  }
  return resume;
}

/**
 * A fresh connection (after a reload of either page) has new DTLS keys, so a new security code:
 * the person should compare it again.
 */
function newCodeNote(body: HTMLElement): void {
  if (body.querySelector('[data-testid="sas-changed"]')) return;
  body
    .querySelector('[data-testid="sas"]')
    ?.after(
      h(
        'p',
        { class: 'sas-note', 'data-testid': 'sas-changed' },
        'New security code after reconnecting: compare it with the other screen again.',
      ),
    );
}

/**
 * One messenger over every connection of the session: each new one gets a fresh messenger,
 * and the app's listeners follow it; `close` only when the session itself ends.
 */
function followingMessenger(
  resumable: Promise<ResumableSession>,
  first: Connection,
  resume: FileResume,
): Messenger {
  type Listener = (event: never) => void;
  const listeners = new Map<keyof MessengerEvents, Set<Listener>>();
  // Each messenger's hello says this device's name: the names go on after a resume.
  const open = (channel: RTCDataChannel) =>
    createMessenger(channel, { name: deviceName(), resume });
  let inner = open(first.channel);
  let offs: Array<() => void> = [];
  const forward = (type: keyof MessengerEvents) =>
    inner.on(type, (event) => {
      for (const listener of listeners.get(type) ?? [])
        (listener as (e: typeof event) => void)(event);
    });
  const closed = () => {
    for (const listener of listeners.get('close') ?? [])
      (listener as (e: undefined) => void)(undefined);
  };
  resumable.then(
    (session) => {
      session.on('connection', (connection) => {
        for (const off of offs) off();
        inner.detach();
        inner = open(connection.channel);
        offs = [...listeners.keys()].filter((type) => type !== 'close').map(forward);
      });
      session.on('state', (state) => {
        if (state === 'closed') closed();
      });
    },
    // Not resumable after all: the connection's end is the session's.
    () => inner.on('close', closed),
  );
  return {
    sendText: (text) => inner.sendText(text),
    sendFile: (file, options) => inner.sendFile(file, options),
    get peerName() {
      return inner.peerName;
    },
    setName: (name) => inner.setName(name),
    cancelReceive: (id, reason) => inner.cancelReceive(id, reason),
    on(type, listener) {
      let set = listeners.get(type);
      if (!set) {
        set = new Set();
        listeners.set(type, set);
        // The inner messenger's own close is a connection ending, not the session.
        if (type !== 'close') offs.push(forward(type));
      }
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
    detach: () => inner.detach(),
  };
}

/**
 * A live session asks before the page is left (a reload still resumes it, but closing the tab
 * ends it), and Back stays within the app: the session adds a history entry of its own.
 */
function guardLeaving(session: ResumableSession): void {
  const ask = (event: BeforeUnloadEvent) => {
    event.preventDefault();
    // Older browsers show the dialog only when returnValue is set.
    event.returnValue = '';
  };
  window.addEventListener('beforeunload', ask);
  history.pushState({ webrtcConnect: 'session' }, '');
  const stay = () => {
    if (session.state !== 'closed') history.pushState({ webrtcConnect: 'session' }, '');
  };
  window.addEventListener('popstate', stay);
  session.on('state', (state) => {
    if (state !== 'closed') return;
    window.removeEventListener('beforeunload', ask);
    window.removeEventListener('popstate', stay);
  });
}
