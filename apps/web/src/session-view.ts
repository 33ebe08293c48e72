import { ConnectError, type Connection, createMessenger, type Messenger } from 'webrtc-connect';
import { drawAttention } from './attention.ts';
import { type ChatPanel, chatPanel } from './chat-panel.ts';
import type { ConnectionStatus } from './connection-status.ts';
import { deviceName, deviceNameField, onRename, peerDeviceName } from './device-name.ts';
import { focusHeading, h, startAgain } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { fileTransfers, type ResumableFiles } from './file-transfers.ts';
import type { SessionHistory } from './session-history.ts';

/**
 * The connected state: the short authentication string, a chat and file transfers over the
 * connection's data channel. Returns the messenger, whose `close` event says the peer left.
 */
export function showSession(
  container: HTMLElement,
  connection: Connection,
  /** A messenger that outlives this connection (a resumable session's); default: one of its own. */
  given?: Messenger,
  /** The session's resumable transfers (with `given`). */
  files?: ResumableFiles,
  /** What this tab keeps of the session: shown first (after a reload), and kept from now on. */
  history?: SessionHistory,
): Messenger {
  // The messenger's hello carries this device's name before anything else, so the first
  // message the other side sends already comes under its name.
  const messenger = given ?? createMessenger(connection.channel, { name: deviceName() });
  const session = sessionChat(history);
  const detach = session.attach(messenger);

  container.replaceChildren(
    h(
      'section',
      { class: 'sas-panel' },
      h('h2', { 'data-testid': 'session-heading' }, 'Connected'),
      session.peerLine,
      h('p', { class: 'hint' }, 'Security code: check that the other screen shows the same.'),
      h('p', { class: 'sas', 'data-testid': 'sas' }, connection.shortAuthenticationString),
      h(
        'p',
        { class: 'hint' },
        'If the codes differ, someone sits between you: close this page and start again.',
      ),
      deviceNameField(),
    ),
    session.chat.element,
    fileTransfers(messenger, files),
  );
  focusHeading(container);

  messenger.on('file-received', (file) => drawAttention(`Received ${file.name}`));
  messenger.on('close', () => {
    detach();
    session.chat.notice('The other side left: the connection is closed.');
    session.chat.setDisabled(true);
  });
  return messenger;
}

export interface SessionChat {
  chat: ChatPanel;
  /** "With Ada's laptop", once the peer said its name. */
  peerLine: HTMLElement;
  /**
   * Chats and swaps names over `messenger` (again over a new one, after a reconnection);
   * returns what stops it.
   */
  attach(messenger: Messenger): () => void;
}

/**
 * The link session's chat and the line naming the peer, apart from any one messenger. With a
 * `history`, what it kept comes first, in order and under the names it had, and every message
 * from now on is kept.
 */
export function sessionChat(history?: SessionHistory): SessionChat {
  let current: Messenger | undefined;
  const chat = chatPanel({
    ids: { messages: 'messages', input: 'message-input', send: 'send' },
    placeholder: 'Message',
    self: () => 'me',
    // "Them" until the other device says its name (an older app never does).
    unnamed: () => 'Them',
    send: (text) => {
      if (!current) throw new ConnectError('ERR_CLOSED', 'no connection to send over');
      current.sendText(text);
      history?.add({ kind: 'me', text, at: Date.now() });
    },
    describeFailure: (error) => describeError(error, 'connection'),
  });
  const peerLine = h('p', { class: 'hint', 'data-testid': 'peer-name' });
  const showPeerName = (said: string) => {
    const name = peerDeviceName(said);
    if (!name) return;
    peerLine.textContent = `With ${name}`;
    chat.name('peer', name);
    history?.setPeerName(said);
  };
  if (history) restoreChat(chat, history, showPeerName);
  return {
    chat,
    peerLine,
    attach(messenger) {
      current = messenger;
      if (messenger.peerName !== undefined) showPeerName(messenger.peerName);
      const stops = [
        messenger.on('name', showPeerName),
        messenger.on('text', (text) => {
          chat.received('peer', text);
          history?.add({ kind: 'device', text, at: Date.now() });
          drawAttention(`Message from ${chat.nameOf('peer')}`);
        }),
        messenger.on('error', (error) => chat.notice(describeError(error, 'transfer'))),
        onRename((name) => {
          try {
            messenger.setName(name);
          } catch {
            // Closed: nobody left to tell.
          }
        }),
      ];
      return () => {
        for (const stop of stops) stop();
        if (current === messenger) current = undefined;
      };
    },
  };
}

/** Shows what the tab kept of the chat before a reload, under the peer's name it had then. */
function restoreChat(
  chat: ChatPanel,
  history: SessionHistory,
  showPeerName: (said: string) => void,
): void {
  if (history.peerName !== undefined) showPeerName(history.peerName);
  let shown = 0;
  for (const entry of history.entries()) {
    if (entry.kind === 'file') continue;
    chat.restored(entry.kind, entry.kind === 'me' ? 'me' : 'peer', entry.text);
    shown++;
  }
  if (shown > 0) {
    const line = chat.notice('The messages above were kept on this device across the reload.');
    line.dataset.testid = 'chat-kept';
  }
}

/**
 * What both sides do with the promise of a connection: the session once open, or the reason it
 * failed and a way to start again (`onFailure` first, for what else the page should take down).
 */
export function followConnection(
  body: HTMLElement,
  status: ConnectionStatus,
  connected: Promise<Connection>,
  onFailure: () => void = () => {},
  again?: () => void,
  /** Shows the session instead of the plain view (a resumable one, see resumable-session-view). */
  show?: (connection: Connection) => void,
): void {
  connected.then(
    (connection) => {
      status.set('connected');
      drawAttention('Connected');
      if (show) {
        show(connection);
        return;
      }
      const messenger = showSession(body, connection);
      messenger.on('close', () => {
        status.fail('The other side left.', 'ERR_CLOSED');
        body.append(startAgain(again));
      });
    },
    (error: unknown) => {
      status.fail(describeError(error, 'connection'), errorCode(error));
      // A page that can make a new link takes the dead one off the screen first.
      if (again) body.replaceChildren();
      onFailure();
      body.append(startAgain(again));
    },
  );
}
