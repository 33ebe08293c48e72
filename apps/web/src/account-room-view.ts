import type { AccountMember, AccountSession, AccountState } from 'webrtc-connect/account';
import { accountFiles } from './account-files.ts';
import { accountNames } from './account-names.ts';
import { chatPanel } from './chat-panel.ts';
import { deviceName, deviceNameField, onRename } from './device-name.ts';
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
 * A joined device: the user's devices by name, the one relaying for the others highlighted (and
 * a notice when that changes), the connection state, a chat across all devices and file
 * sending. Ids and roles stay out of sight, in a details view.
 */
export function showAccountRoom(
  container: HTMLElement,
  session: AccountSession,
  onSignOut: () => void,
): void {
  const state = h('p', { class: 'status', role: 'status', 'data-testid': 'account-state' });
  const devices = h('ul', { class: 'devices', 'data-testid': 'account-devices' });
  const details = h('ul', { class: 'device-details', 'data-testid': 'room-details-devices' });
  const term = h('span', { 'data-testid': 'room-term' });
  const chat = chatPanel({
    ids: { messages: 'account-messages', input: 'account-message-input', send: 'account-send' },
    placeholder: 'Message to all your devices',
    self: () => session.id,
    unnamed: (id) => id,
    send: (text) => session.send(text),
    describeFailure: (error) => describeError(error, 'connection'),
  });
  const ownName = h('strong', { 'data-testid': 'account-device-name' }, deviceName());

  const nameOf = (id: string) => (id === session.id ? deviceName() : (names.nameOf(id) ?? id));
  let broadcaster = broadcasterOf(session.members);
  const showMembers = (members: AccountMember[]) => {
    const current = broadcasterOf(members);
    const changed = broadcaster !== undefined && current !== broadcaster;
    broadcaster = current;
    // For tests and styles; a person sees the relaying device named instead.
    devices.dataset.epoch = String(session.epoch);
    devices.dataset.broadcaster = current ?? '';
    term.textContent = String(session.epoch);
    devices.replaceChildren(
      ...members.map((member) => {
        const relaying = member.role === 'broadcaster';
        const row = h(
          'li',
          { 'data-device-id': member.id, 'data-role': member.role },
          h(
            'span',
            { class: 'device-label', 'data-testid': 'device-name-shown' },
            nameOf(member.id),
          ),
          h(
            'span',
            { class: 'device-role' },
            `${relaying ? 'relaying for your devices' : 'connected'}${member.id === session.id ? ' · this device' : ''}`,
          ),
        );
        if (relaying) row.classList.add('broadcaster');
        if (relaying && changed) row.classList.add('changed');
        return row;
      }),
    );
    details.replaceChildren(
      ...members.map((member) =>
        h(
          'li',
          {},
          h('span', { class: 'device-id' }, member.id),
          ` ${member.role === 'broadcaster' ? 'relaying' : 'connected'} since ${new Date(member.joinedAt).toLocaleTimeString()}`,
        ),
      ),
    );
    if (changed && current) {
      const who = current === session.id ? 'This device' : nameOf(current);
      chat.notice(`${who} now relays for your devices.`).dataset.epoch = String(session.epoch);
    }
  };
  const names = accountNames(session, (id, name) => {
    chat.name(id, name);
    showMembers(session.members);
  });
  const renamed = onRename((name) => {
    ownName.textContent = name;
    showMembers(session.members);
  });
  const showState = (value: AccountState) => {
    state.dataset.state = value;
    state.classList.toggle('error', value === 'unreachable' || value === 'closed');
    state.textContent = STATE_LABELS[value];
    chat.setDisabled(value === 'closed');
  };

  const files = accountFiles(session, nameOf);
  session.on('members', showMembers);
  session.on('state', showState);
  session.on('error', (error) =>
    chat.notice(
      error.serverCode === 'ERR_DEVICE_REPLACED'
        ? 'This device joined again from another tab or window (a copy of this one), which took its place here.'
        : describeError(error, 'connection'),
    ),
  );
  session.on('message', ({ from, data }) => {
    if (typeof data === 'string') chat.received(from, data);
    else if (!names.receive(from, data)) files.receive(from, data);
  });
  // A reload leaves too, but keeps this tab's device key: the page comes back as the same device.
  window.addEventListener('pagehide', () => session.leave());
  const deviceId = h('strong', { 'data-testid': 'account-device-id' }, session.id);
  // Joined again after losing the server: the same id with this tab's device key.
  session.on('rejoined', ({ id }) => {
    deviceId.textContent = id;
  });

  const signOut = h(
    'button',
    { type: 'button', class: 'link-button', 'data-testid': 'account-sign-out' },
    'Sign out on this device',
  );
  signOut.addEventListener('click', () => {
    names.stop();
    renamed();
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
        ownName,
        ' ',
        signOut,
      ),
      deviceNameField(),
      state,
      h('h2', {}, 'Devices'),
      devices,
      h(
        'details',
        { class: 'room-details', 'data-testid': 'room-details' },
        h('summary', {}, 'Details'),
        h('p', {}, 'This device’s id: ', deviceId),
        details,
        h('p', {}, 'Relay term: ', term),
      ),
    ),
    chat.element,
    files.element,
  );
  showMembers(session.members);
  showState(session.state);
}

function broadcasterOf(members: AccountMember[]): string | undefined {
  return members.find((member) => member.role === 'broadcaster')?.id;
}
