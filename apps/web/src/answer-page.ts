import { type Acceptance, acceptLink } from 'webrtc-connect/link';
import { answerQrText } from './answer-qr.ts';
import { connectionStatus } from './connection-status.ts';
import { copyButton, focusHeading, h, startAgain } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { appIceServers } from './ice-servers.ts';
import { qrCode } from './qr-code.ts';
import { followResumable } from './resumable-session-view.ts';
import { followConnection } from './session-view.ts';
import { playAnswerPanel } from './sound-answer-panels.ts';

const STEPS: ReadonlyArray<[string, string]> = [
  ['answering', 'Opening the link…'],
  ['waiting', 'Waiting for the other device to connect'],
  ['connected', 'Connected'],
];

/** Device B: opened A's link; answers, and shows the reply code (or the answer text). */
export function showAnswerPage(container: HTMLElement, link: string): void {
  const status = connectionStatus(STEPS);
  const body = h('div', { class: 'answer' });
  container.replaceChildren(status.element, body);
  status.set('answering');

  // A link made for "no server at all" (offer-page.ts): answer with no mailbox, as a QR code.
  const byQr = new URL(link).searchParams.get('reply') === 'qr';
  const mailbox = byQr ? null : location.origin;
  appIceServers()
    .then((iceServers) => acceptLink(link, { RTCPeerConnection, iceServers, mailbox }))
    .then(
      (acceptance) => {
        body.replaceChildren(replyPanel(acceptance, byQr), playAnswerPanel(acceptance));
        focusHeading(body);
        status.set('waiting');
        followConnection(
          body,
          status,
          acceptance.connected,
          () => {
            // The code (and the answer played by sound) can no longer connect: never leave it on
            // show for someone to read out. Firefox gives up 5 s after answering when the other
            // device is Firefox too and has not had the answer yet; a fresh answer starts anew.
            body.replaceChildren(answerAgainPanel(container, link));
          },
          undefined,
          (connection) => followResumable(body, status, connection, { link, side: 'b', mailbox }),
        );
      },
      (error: unknown) => {
        status.fail(describeError(error, 'link'), errorCode(error));
        body.replaceChildren(startAgain());
      },
    );
}

function replyPanel(acceptance: Acceptance, byQr: boolean): HTMLElement {
  if (acceptance.replyCode) {
    const code = acceptance.replyCode;
    return h(
      'section',
      { class: 'reply-code-panel' },
      h('h2', {}, 'Reply code'),
      h('p', { class: 'reply-code', 'data-testid': 'reply-code' }, groupCode(code)),
      h(
        'p',
        { class: 'hint', 'data-testid': 'reply-code-hint' },
        acceptance.kind === 'mailbox'
          ? 'The other device should connect by itself. If it asks for a code, type or read out this one.'
          : // A self-contained link leaves the server out of the offer: A learns of this reply only
            // when its person types the code (or scans it).
            'Type this code on the other device (or read it out to its owner): it connects once the code is entered there.',
      ),
      copyButton('Copy code', () => code),
    );
  }
  const field = h(
    'textarea',
    { rows: '4', readonly: '', 'aria-label': 'Answer text', 'data-testid': 'answer-text' },
    acceptance.answerText,
  );
  // Sealed under the link secret, so the device that made the link knows it comes from here.
  const qr = h('div', { class: 'qr', 'data-testid': 'answer-qr' });
  acceptance.sealAnswer().then(
    (sealed) => qr.append(qrCode(answerQrText(sealed), 'QR code of the answer')),
    () => qr.remove(),
  );
  return h(
    'section',
    { class: 'answer-text-panel' },
    h('h2', {}, 'Answer'),
    h(
      'p',
      { class: 'hint' },
      byQr
        ? 'Scan this QR code with the device that made the link ("Scan the answer"), within half a minute. Or send it the whole text below, to paste there.'
        : 'The server cannot be reached: scan this QR code with the device that made the link ("Scan the answer"), or send it this whole text to paste there.',
    ),
    qr,
    field,
    copyButton('Copy answer', () => acceptance.answerText, field),
  );
}

function answerAgainPanel(container: HTMLElement, link: string): HTMLElement {
  const again = h('button', { type: 'button', 'data-testid': 'answer-again' }, 'Answer again');
  again.addEventListener('click', () => showAnswerPage(container, link));
  return h(
    'section',
    { class: 'reply-code-panel', 'data-testid': 'reply-expired' },
    h('h2', {}, 'This reply code no longer works'),
    h(
      'p',
      { class: 'hint' },
      'The other device did not use it in time, or found no way through. Answer again for a new code, and type it on the other device right away.',
    ),
    again,
  );
}

/** "7KQ2MX" → "7KQ 2MX": groups of three are easier to read out and to type. */
function groupCode(code: string): string {
  return code.replace(/(.{3})(?=.)/g, '$1 ');
}
