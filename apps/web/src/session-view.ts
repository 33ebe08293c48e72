import { type Connection, createMessenger, type Messenger } from 'webrtc-connect';
import { drawAttention } from './attention.ts';
import type { ConnectionStatus } from './connection-status.ts';
import { exchangeNames } from './device-name.ts';
import { focusHeading, h, startAgain } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { fileTransfers } from './file-transfers.ts';

/** What a resumable session gives the view: one messenger across connections, and each new one. */
export interface SessionSource {
  messenger: Messenger;
  onConnection(listener: (connection: Connection) => void): void;
}

/**
 * The connected state: the short authentication string, a chat and file transfers over the
 * connection's data channel (or a resumable session's). Returns the messenger, whose `close`
 * event says the peer left.
 */
export function showSession(
  container: HTMLElement,
  connection: Connection,
  source?: SessionSource,
): Messenger {
  const messenger = source?.messenger ?? createMessenger(connection.channel);
  // A live list: screen readers read each new message as it arrives.
  const messages = h('ul', {
    class: 'messages',
    'aria-live': 'polite',
    'aria-label': 'Messages',
    'data-testid': 'messages',
  });
  const input = h('input', {
    type: 'text',
    placeholder: 'Message',
    autocomplete: 'off',
    'aria-label': 'Message',
    'data-testid': 'message-input',
  });
  const send = h('button', { type: 'submit', 'data-testid': 'send' }, 'Send');
  const form = h('form', { class: 'chat-form' }, input, send);

  // "Them" until the other device says its name (an older app never does).
  let peerName = 'Them';
  const peerLine = h('p', { class: 'hint', 'data-testid': 'peer-name' });
  const onName = (name: string) => {
    peerName = name;
    peerLine.textContent = `With ${name}`;
    for (const label of messages.querySelectorAll('li[data-from="peer"] > strong')) {
      label.textContent = `${name}: `;
    }
  };
  exchangeNames(connection.peerConnection, onName);
  // A resumed session has a new connection: names are said again on it.
  source?.onConnection((resumed) => exchangeNames(resumed.peerConnection, onName));

  container.replaceChildren(
    h(
      'section',
      { class: 'sas-panel' },
      h('h2', { 'data-testid': 'session-heading' }, 'Connected'),
      peerLine,
      h('p', { class: 'hint' }, 'Security code: check that the other screen shows the same.'),
      h('p', { class: 'sas', 'data-testid': 'sas' }, connection.shortAuthenticationString),
      h(
        'p',
        { class: 'hint' },
        'If the codes differ, someone sits between you: close this page and start again.',
      ),
    ),
    h('section', { class: 'chat' }, h('h2', {}, 'Chat'), messages, form),
    fileTransfers(messenger),
  );
  focusHeading(container);

  const append = (text: string, from: 'me' | 'peer' | 'notice') => {
    const who = from === 'me' ? 'You' : from === 'peer' ? peerName : '';
    messages.append(
      h('li', { 'data-from': from }, ...(who ? [h('strong', {}, `${who}: `)] : []), text),
    );
    messages.scrollTop = messages.scrollHeight;
  };
  messenger.on('text', (text) => {
    append(text, 'peer');
    drawAttention(`Message from ${peerName}`);
  });
  messenger.on('file-received', (file) => drawAttention(`Received ${file.name}`));
  messenger.on('error', (error) => append(describeError(error, 'transfer'), 'notice'));
  messenger.on('close', () => {
    append('The other side left: the connection is closed.', 'notice');
    input.disabled = true;
    send.disabled = true;
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.value) return;
    try {
      messenger.sendText(input.value);
      append(input.value, 'me');
      input.value = '';
    } catch (error) {
      append(describeError(error, 'connection'), 'notice');
    }
  });
  return messenger;
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
