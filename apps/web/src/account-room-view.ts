import type { AccountMember, AccountSession, AccountState } from 'webrtc-connect/account';
import { accountFiles } from './account-files.ts';
import { h } from './dom.ts';
import { describeError } from './error-messages.ts';

const STATE_LABELS: Record<AccountState, string> = {
  connecting: 'Connecting to your devices…',
  connected: 'Connected',
  unreachable: 'Cut off: the device relaying for the others cannot be reached. Still trying…',
  reconnecting: 'Lost the server. Joining again…',
  closed: 'Disconnected. Reload the page to join again.',
};

/**
 * A joined device: its id, the user's devices with the broadcaster highlighted (and a notice
 * when it changes), the connection state, a chat across all devices and file sending.
 */
export function showAccountRoom(
  container: HTMLElement,
  session: AccountSession,
  onSignOut: () => void,
): void {
  const state = h('p', { class: 'status', role: 'status', 'data-testid': 'account-state' });
  const devices = h('ul', { class: 'devices', 'data-testid': 'account-devices' });
  const messages = h('ul', {
    class: 'messages',
    'data-testid': 'account-messages',
    'aria-live': 'polite',
  });
  const input = h('input', {
    type: 'text',
    placeholder: 'Message to all your devices',
    autocomplete: 'off',
    'aria-label': 'Message',
    'data-testid': 'account-message-input',
  });
  const send = h('button', { type: 'submit', 'data-testid': 'account-send' }, 'Send');
  const form = h('form', { class: 'chat-form' }, input, send);

  const append = (from: string, text: string, kind: 'me' | 'device' | 'notice') => {
    const item = h('li', { 'data-kind': kind, 'data-from': from });
    if (kind !== 'notice') item.append(h('strong', {}, kind === 'me' ? 'You: ' : `${from}: `));
    item.append(text);
    messages.append(item);
    messages.scrollTop = messages.scrollHeight;
    return item;
  };

  let broadcaster = broadcasterOf(session.members);
  const showMembers = (members: AccountMember[]) => {
    const current = broadcasterOf(members);
    const changed = broadcaster !== undefined && current !== broadcaster;
    broadcaster = current;
    devices.dataset.epoch = String(session.epoch);
    devices.dataset.broadcaster = current ?? '';
    devices.replaceChildren(
      ...members.map((member) => {
        const row = h(
          'li',
          { 'data-device-id': member.id, 'data-role': member.role },
          h('span', { class: 'device-id' }, member.id),
          h(
            'span',
            { class: 'device-role' },
            // In a person's words; the role stays in data-role, the epoch in the list's data-epoch.
            `${member.role === 'broadcaster' ? 'relaying for your devices' : 'connected'}${member.id === session.id ? ' · this device' : ''}`,
          ),
        );
        if (member.role === 'broadcaster') row.classList.add('broadcaster');
        if (member.role === 'broadcaster' && changed) row.classList.add('changed');
        return row;
      }),
    );
    if (changed && current) {
      const who = current === session.id ? 'this device' : current;
      append('', `New broadcaster: ${who} now relays for your devices.`, 'notice').dataset.epoch =
        String(session.epoch);
    }
  };
  const showState = (value: AccountState) => {
    state.dataset.state = value;
    state.classList.toggle('error', value === 'unreachable' || value === 'closed');
    state.textContent = STATE_LABELS[value];
    input.disabled = send.disabled = value === 'closed';
  };

  const files = accountFiles(session);
  session.on('members', showMembers);
  session.on('state', showState);
  session.on('error', (error) =>
    append(
      '',
      error.serverCode === 'ERR_DEVICE_REPLACED'
        ? 'This device joined again from another tab or window (a copy of this one), which took its place here.'
        : describeError(error, 'connection'),
      'notice',
    ),
  );
  session.on('message', ({ from, data }) => {
    if (typeof data === 'string') append(from, data, 'device');
    else files.receive(from, data);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text) return;
    input.value = '';
    const item = append(session.id, text, 'me');
    item.dataset.delivery = 'sending';
    session.send(text).then(
      () => {
        item.dataset.delivery = 'delivered';
      },
      (error: unknown) => {
        item.dataset.delivery = 'failed';
        append('', `Not delivered: ${describeError(error, 'connection')}`, 'notice');
      },
    );
  });
  // A reload leaves too, but keeps this tab's device key: the page comes back as the same device.
  window.addEventListener('pagehide', () => session.leave());
  const deviceId = h('strong', { 'data-testid': 'account-device-id' }, session.id);
  // Joined again after losing the server: a new id.
  session.on('rejoined', ({ id }) => {
    deviceId.textContent = id;
  });

  const signOut = h(
    'button',
    { type: 'button', class: 'link-button', 'data-testid': 'account-sign-out' },
    'Sign out on this device',
  );
  signOut.addEventListener('click', () => {
    session.leave({ forget: true });
    onSignOut();
  });

  container.replaceChildren(
    h(
      'section',
      { class: 'account-panel' },
      h(
        'p',
        { class: 'hint' },
        `Signed in as ${session.user}. This device: `,
        deviceId,
        ' ',
        signOut,
      ),
      state,
      h('h2', {}, 'Devices'),
      devices,
    ),
    h('section', { class: 'chat' }, h('h2', {}, 'Chat'), messages, form),
    files.element,
  );
  showMembers(session.members);
  showState(session.state);
}

function broadcasterOf(members: AccountMember[]): string | undefined {
  return members.find((member) => member.role === 'broadcaster')?.id;
}
