import { type Connection, createMessenger, type Messenger } from 'webrtc-connect';
import { drawAttention } from './attention.ts';
import { chatPanel } from './chat-panel.ts';
import type { ConnectionStatus } from './connection-status.ts';
import { deviceName, deviceNameField, onRename, peerDeviceName } from './device-name.ts';
import { focusHeading, h, startAgain } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { fileTransfers } from './file-transfers.ts';

/**
 * The connected state: the short authentication string, a chat and file transfers over the
 * connection's data channel. Returns the messenger, whose `close` event says the peer left.
 */
export function showSession(container: HTMLElement, connection: Connection): Messenger {
  // The messenger's hello carries this device's name before anything else, so the first
  // message the other side sends already comes under its name.
  const messenger = createMessenger(connection.channel, { name: deviceName() });
  const chat = chatPanel({
    ids: { messages: 'messages', input: 'message-input', send: 'send' },
    placeholder: 'Message',
    self: () => 'me',
    // "Them" until the other device says its name (an older app never does).
    unnamed: () => 'Them',
    send: (text) => messenger.sendText(text),
    describeFailure: (error) => describeError(error, 'connection'),
  });
  const peerLine = h('p', { class: 'hint', 'data-testid': 'peer-name' });
  const showPeerName = (said: string) => {
    const name = peerDeviceName(said);
    if (!name) return;
    peerLine.textContent = `With ${name}`;
    chat.name('peer', name);
  };
  if (messenger.peerName !== undefined) showPeerName(messenger.peerName);
  messenger.on('name', showPeerName);
  const stopRenaming = onRename((name) => {
    try {
      messenger.setName(name);
    } catch {
      // Closed: nobody left to tell.
    }
  });

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
      deviceNameField(),
    ),
    chat.element,
    fileTransfers(messenger),
  );
  focusHeading(container);

  messenger.on('text', (text) => {
    chat.received('peer', text);
    drawAttention(`Message from ${chat.nameOf('peer')}`);
  });
  messenger.on('file-received', (file) => drawAttention(`Received ${file.name}`));
  messenger.on('error', (error) => chat.notice(describeError(error, 'transfer')));
  messenger.on('close', () => {
    stopRenaming();
    chat.notice('The other side left: the connection is closed.');
    chat.setDisabled(true);
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
): void {
  connected.then(
    (connection) => {
      status.set('connected');
      drawAttention('Connected');
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
