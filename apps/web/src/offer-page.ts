import { createLink, type Invitation } from 'webrtc-connect/link';
import { connectionStatus } from './connection-status.ts';
import { copyButton, focusHeading, h, startAgain } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { appIceServers } from './ice-servers.ts';
import { qrCode } from './qr-code.ts';
import { followConnection } from './session-view.ts';
import { listenForAnswerPanel } from './sound-answer-panels.ts';

const STEPS: ReadonlyArray<[string, string]> = [
  ['gathering', 'Preparing the link…'],
  ['waiting', 'Waiting for the other device to open the link'],
  ['connecting', 'Connecting…'],
  ['connected', 'Connected'],
];

/** Device A: makes the link, shows it (text and QR code), and takes the reply. */
export function showOfferPage(container: HTMLElement, options: { selfContained: boolean }): void {
  const status = connectionStatus(STEPS);
  const body = h('div', { class: 'offer' });
  const again = () => showOfferPage(container, options);
  container.replaceChildren(status.element, body);
  status.set('gathering');

  const appUrl = `${location.origin}${location.pathname}`;
  appIceServers()
    .then((iceServers) =>
      createLink({
        RTCPeerConnection,
        iceServers,
        mailbox: location.origin,
        appUrl,
        selfContained: options.selfContained,
        // The answer is in place (pushed by the mailbox or typed): ICE and DTLS are next.
        // `connected` and `failed` come through `invitation.connected` (followConnection).
        onProgress: (progress) => {
          if (progress === 'connecting' && status.state === 'waiting') status.set('connecting');
        },
      }),
    )
    .then(
      (invitation) => {
        // Leaving the page ends the link; one nobody connected through is withdrawn, so a person
        // who opens it later is told at once that it was closed.
        window.addEventListener('pagehide', () => invitation.close(), { once: true });
        const reply = replyForm(invitation, invitation.kind === 'mailbox');
        const sound = listenForAnswerPanel(invitation);
        body.replaceChildren(linkPanel(invitation.link, invitation.kind), reply, sound);
        focusHeading(body);
        status.set('waiting');
        followConnection(
          body,
          status,
          invitation.connected,
          () => {
            reply.remove();
            sound.remove();
          },
          again,
        );
      },
      (error: unknown) => {
        status.fail(describeError(error, 'link'), errorCode(error));
        body.replaceChildren(startAgain(again));
      },
    );
}

function linkPanel(link: string, kind: Invitation['kind']): HTMLElement {
  const field = h('input', {
    type: 'text',
    readonly: '',
    value: link,
    'aria-label': 'Link',
    'data-testid': 'link',
  });
  field.addEventListener('focus', () => field.select());
  const actions = h(
    'div',
    { class: 'row' },
    copyButton('Copy link', () => link, field),
  );
  if (typeof navigator.share === 'function') {
    const share = h('button', { type: 'button', class: 'secondary' }, 'Share…');
    share.addEventListener('click', () => {
      navigator.share({ url: link }).catch(() => {});
    });
    actions.append(share);
  }
  const qr = qrCode(link, 'QR code of the link');
  return h(
    'section',
    { class: 'link-panel' },
    h('h2', {}, 'Your link'),
    h(
      'p',
      { class: 'hint' },
      kind === 'mailbox'
        ? 'Send this link to the other device, or scan the code with it. It works once, for ten minutes.'
        : 'This link carries the whole offer: the server never holds it. Send it, or scan the code.',
    ),
    field,
    actions,
    h('div', { class: 'qr', 'data-testid': 'qr-code' }, qr),
  );
}

function replyForm(invitation: Invitation, automatic: boolean): HTMLElement {
  const input = h('input', {
    type: 'text',
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: 'false',
    placeholder: 'e.g. 7KQ 2MX',
    'aria-label': 'Reply code or answer text',
    'data-testid': 'reply-input',
  });
  const submit = h('button', { type: 'submit', 'data-testid': 'reply-submit' }, 'Connect');
  const error = h('p', { class: 'error', 'data-testid': 'reply-error', role: 'alert' });
  const form = h('form', { class: 'reply-form' }, h('div', { class: 'row' }, input, submit), error);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = input.value.trim();
    if (!typed) return;
    submit.disabled = true;
    error.textContent = '';
    error.removeAttribute('data-error-code');
    invitation.acceptReply(typed).then(
      () => {
        form.replaceChildren(h('p', { class: 'hint' }, 'Reply accepted.'));
      },
      (failure: unknown) => {
        error.textContent = describeError(failure, 'reply');
        error.dataset.errorCode = errorCode(failure);
        submit.disabled = false;
      },
    );
  });
  return h(
    'section',
    { class: 'reply-panel' },
    h('h2', {}, 'Reply code'),
    h(
      'p',
      { class: 'hint' },
      automatic
        ? 'The reply comes by itself once the other device opens the link. If it does not, type the code that device shows (or paste its answer text).'
        : 'Type the code the other device shows once it opens the link (or paste its answer text).',
    ),
    form,
  );
}
