import { fingerprintOf, shortAuthenticationString } from '@webrtc-connect/signal';
import { h } from './dom.ts';

/** The connected state: the short authentication string and a chat over the data channel. */
export function showSession(
  container: HTMLElement,
  pc: RTCPeerConnection,
  channel: RTCDataChannel,
): void {
  const sas = h('p', { class: 'sas', 'data-testid': 'sas' }, '…');
  const messages = h('ul', { id: 'messages', 'data-testid': 'messages' });
  const input = h('input', {
    type: 'text',
    placeholder: 'Message',
    'data-testid': 'message-input',
  });
  const send = h('button', { type: 'submit', 'data-testid': 'send' }, 'Send');
  const form = h('form', { class: 'row' }, input, send);
  container.replaceChildren(
    h('p', { class: 'status', 'data-testid': 'status' }, 'Connected'),
    h('p', { class: 'hint' }, 'Both tabs show the same code if nobody sits in the middle:'),
    sas,
    messages,
    form,
  );

  const local = pc.localDescription;
  const remote = pc.remoteDescription;
  if (local && remote) {
    shortAuthenticationString(fingerprintOf(local), fingerprintOf(remote)).then(
      (code) => {
        sas.textContent = code;
      },
      () => {
        sas.textContent = 'unavailable';
      },
    );
  }

  const append = (text: string, mine: boolean) => {
    messages.append(h('li', mine ? { class: 'mine' } : {}, `${mine ? 'you' : 'peer'}: ${text}`));
    messages.scrollTop = messages.scrollHeight;
  };
  channel.addEventListener('message', (event) => {
    if (typeof event.data === 'string') append(event.data, false);
  });
  channel.addEventListener('close', () => {
    container.querySelector('[data-testid="status"]')?.replaceChildren('Disconnected');
    send.disabled = true;
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.value || channel.readyState !== 'open') return;
    channel.send(input.value);
    append(input.value, true);
    input.value = '';
  });
  input.focus();
}
