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
import { showSession } from './session-view.ts';
import { receivedBytesStore } from './transfer-store.ts';

/** Which side of which link this page is. */
export interface LinkSide {
  link: string;
  side: 'a' | 'b';
  /** The mailbox the session may resume through; null when it was made with no server at all. */
  mailbox: string | null;
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

function keepTicket(ticket: ResumeTicket): void {
  try {
    sessionStorage.setItem(TICKET_KEY, JSON.stringify(ticket));
  } catch {
    // Storage refused (a private mode): a reload cannot resume, the session still works.
  }
}

function forgetTicket(): void {
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
  { link, side, mailbox }: LinkSide,
  again?: () => void,
): void {
  const session = sessionOptions(mailbox).then((options) =>
    makeResumable(connection, link, side, options),
  );
  showResumable(body, status, session, connection, link, again);
}

/** A reloaded page with a kept ticket: resumes the session it had, with no new link or code. */
export function showResumedPage(container: HTMLElement, ticket: ResumeTicket): void {
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
  sessionOptions(ticket.mailbox)
    .then((options) => resumeSession(ticket, options))
    .then(async (session) => {
      const connection = await session.connected();
      status.set('connected');
      drawAttention('Connected');
      showResumable(body, status, Promise.resolve(session), connection, ticket.link);
    })
    .catch((error: unknown) => {
      forgetTicket();
      status.fail(describeError(error, 'connection'), errorCode(error));
      body.replaceChildren(startAgain());
    });
}

function showResumable(
  body: HTMLElement,
  status: ConnectionStatus,
  resumable: Promise<ResumableSession>,
  connection: Connection,
  link: string,
  again?: () => void,
): void {
  // Transfers in flight go on over the session's next connection, and after a reload.
  const resume = new FileResume({ store: receivedBytesStore });
  const messenger = followingMessenger(resumable, connection, resume);
  showSession(body, connection, messenger, { resume, link });
  const input = body.querySelector<HTMLInputElement>('[data-testid="message-input"]');
  messenger.on('close', () => {
    forgetTicket();
    resumable.then(
      (session) => resume.close(session.closeReason ?? undefined),
      () => resume.close(),
    );
    resumable.then(
      (session) =>
        status.fail(
          describeError(session.closeReason, 'connection'),
          errorCode(session.closeReason),
        ),
      () => status.fail('The other side left.', 'ERR_CLOSED'),
    );
    if (input) input.disabled = true;
    body.append(startAgain(again));
  });
  resumable.then(
    (session) => {
      session.on('connection', (resumed) => {
        // A new connection has new keys: both sides show its code.
        const sas = body.querySelector('[data-testid="sas"]');
        if (sas) sas.textContent = resumed.shortAuthenticationString;
      });
      session.on('state', (state) => {
        if (state === 'reconnecting') {
          status.set('reconnecting', 'Reconnecting… the other device is away for a moment');
        } else if (state === 'connected') {
          status.set('connected');
        }
      });
      guardLeaving(session);
    },
    () => {},
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
