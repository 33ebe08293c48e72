import { createLink, type Invitation } from 'webrtc-connect/link';
import { readAnswerQr } from './answer-qr.ts';
import { connectionStatus } from './connection-status.ts';
import { copyButton, focusHeading, h, startAgain } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { appIceServers } from './ice-servers.ts';
import { qrCode } from './qr-code.ts';
import { scanPanel } from './qr-scanner.ts';
import { followResumable } from './resumable-session-view.ts';
import { followConnection } from './session-view.ts';
import { listenForAnswerPanel } from './sound-answer-panels.ts';

const STEPS: ReadonlyArray<[string, string]> = [
  ['gathering', 'Preparing the link…'],
  ['waiting', 'Waiting for the other device to open the link'],
  ['connecting', 'Connecting…'],
  ['connected', 'Connected'],
];

export interface OfferOptions {
  /** The offer travels in the link; the server only carries a typed reply code, if any. */
  selfContained: boolean;
  /**
   * No server at all: the link is self-contained and tells B's page (`?reply=qr`) to show its
   * sealed answer as a QR code, which A scans.
   */
  qrReply?: boolean;
}

/** B's page shows its answer as a QR code when the link says so (see answer-page.ts). */
export const QR_REPLY_PARAM = 'reply';

/** Device A: makes the link, shows it (text and QR code), and takes the reply. */
export function showOfferPage(container: HTMLElement, options: OfferOptions): void {
  const status = connectionStatus(STEPS);
  const body = h('div', { class: 'offer' });
  const again = () => showOfferPage(container, options);
  container.replaceChildren(status.element, body);
  status.set('gathering');

  const app = new URL(`${location.origin}${location.pathname}`);
  if (options.qrReply) app.searchParams.set(QR_REPLY_PARAM, 'qr');
  const appUrl = app.href;
  appIceServers()
    .then((iceServers) =>
      createLink({
        RTCPeerConnection,
        iceServers,
        // Without a mailbox the link carries the offer and nothing is ever sent to a server.
        ...(options.qrReply ? {} : { mailbox: location.origin }),
        appUrl,
        selfContained: options.selfContained,
        // The answer is in place (pushed by the mailbox or typed): ICE and DTLS are next.
        // `connected` and `failed` come through `invitation.connected` (followConnection).
        onProgress: (progress) => {
          if (progress !== 'connecting' || status.state !== 'waiting') return;
          status.set('connecting');
          // Answered: the link's time no longer matters (the library stopped its expiry too).
          body.querySelector('[data-testid="link-expiry"]')?.remove();
        },
      }),
    )
    .then(
      (invitation) => {
        // The session's resume box lives as long as this link would (the server's offer
        // lifetime), counted from its first connection: what the page says it will wait.
        const linkLifetime = invitation.expiresAt && invitation.expiresAt.getTime() - Date.now();
        // Leaving the page ends the link; one nobody connected through is withdrawn, so a person
        // who opens it later is told at once that it was closed.
        window.addEventListener('pagehide', () => invitation.close(), { once: true });
        const reply = replyForm(
          invitation,
          options.qrReply ? 'qr' : invitation.kind === 'mailbox' ? 'automatic' : 'typed',
        );
        const sound = listenForAnswerPanel(invitation);
        body.replaceChildren(linkPanel(invitation), reply, sound);
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
          (connection) =>
            followResumable(
              body,
              status,
              connection,
              // No server at all: the session resumes only what its channel can (ICE restart).
              {
                link: invitation.link,
                side: 'a',
                mailbox: options.qrReply ? null : location.origin,
                ...(linkLifetime ? { resumableMs: linkLifetime } : {}),
              },
              again,
            ),
        );
      },
      (error: unknown) => {
        status.fail(describeError(error, 'link'), errorCode(error));
        body.replaceChildren(startAgain(again));
      },
    );
}

function linkPanel(invitation: Invitation): HTMLElement {
  const { link, kind } = invitation;
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
        ? 'Send this link to the other device, or scan the code with it. It works once.'
        : 'This link carries the whole offer: the server never holds it. Send it, or scan the code.',
    ),
    ...(invitation.expiresAt ? [linkExpiry(invitation.expiresAt)] : []),
    field,
    actions,
    h('div', { class: 'qr', 'data-testid': 'qr-code' }, qr),
  );
}

/**
 * "Link works for 4:32", counting down each second until the link is answered or gone (the
 * page replaces the panel). At zero the invitation's `connected` fails with ERR_EXPIRED, and the
 * page says so.
 */
function linkExpiry(expiresAt: Date): HTMLElement {
  const line = h('p', {
    class: 'hint',
    'data-testid': 'link-expiry',
    'data-expires-at': expiresAt.toISOString(),
  });
  const show = () => {
    const seconds = Math.max(0, Math.ceil((expiresAt.getTime() - Date.now()) / 1000));
    line.textContent =
      seconds > 0
        ? `Link works for ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
        : 'The link has expired.';
    return seconds;
  };
  show();
  // On the second's boundary, so the count turns as the clock does.
  const tick = () => {
    if (show() === 0) return;
    setTimeout(
      () => {
        if (line.isConnected) tick();
      },
      ((expiresAt.getTime() - Date.now()) % 1000) + 5,
    );
  };
  setTimeout(tick, 0);
  return line;
}

/** How B's reply reaches A: pushed by the mailbox, typed (or pasted), or scanned from B's screen. */
type ReplyWay = 'automatic' | 'typed' | 'qr';

const REPLY_HINTS: Record<ReplyWay, string> = {
  automatic:
    'The reply comes by itself once the other device opens the link. If it does not, type the code that device shows (or paste its answer text).',
  typed:
    'Type the code the other device shows once it opens the link (or paste its answer text, or scan its answer QR code).',
  qr: 'Once the other device has opened the link, it shows its answer as a QR code: scan it with this device within half a minute.',
};

function replyForm(invitation: Invitation, way: ReplyWay): HTMLElement {
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
  const accept = (reply: string | Uint8Array) => {
    submit.disabled = true;
    error.textContent = '';
    error.removeAttribute('data-error-code');
    invitation.acceptReply(reply).then(
      () => {
        form.replaceChildren(h('p', { class: 'hint' }, 'Reply accepted.'));
      },
      (failure: unknown) => {
        error.textContent = describeError(failure, 'reply');
        error.dataset.errorCode = errorCode(failure);
        submit.disabled = false;
      },
    );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = input.value.trim();
    if (typed) accept(typed);
  });
  const panel = h(
    'section',
    { class: 'reply-panel' },
    h('h2', {}, way === 'qr' ? 'Answer' : 'Reply code'),
    h('p', { class: 'hint' }, REPLY_HINTS[way]),
  );
  // B shows an answer QR code when it has no server (or was told to by the link): only a
  // self-contained link can be answered that way.
  if (way !== 'automatic') {
    panel.append(
      scanPanel({
        label: 'Scan the answer',
        otherwise: 'Paste the answer text instead.',
        onCode: (text) => {
          const sealed = readAnswerQr(text);
          if (sealed) accept(sealed);
          else if (text.startsWith('http'))
            return 'This QR code is a link, not an answer: scan the QR code on the other device once it has opened the link.';
          else {
            input.value = text;
            accept(text.trim());
          }
          return null;
        },
      }),
    );
  }
  panel.append(form);
  return panel;
}
