import { decodeSignal, encodeSignal, fromLinkText, toLinkText } from '@webrtc-connect/signal';
import { describeError, h } from './dom.ts';
import { gatheredDescription } from './local-description.ts';
import { showSession } from './session-view.ts';
import { sizeTable } from './sizes.ts';

/** Tab A: makes the offer link, then takes B's answer text. */
export function showOfferPage(container: HTMLElement): void {
  const start = h('button', { 'data-testid': 'create-offer' }, 'Create a link');
  const status = h('p', { class: 'status', 'data-testid': 'status' }, '');
  container.replaceChildren(
    h(
      'section',
      {},
      h('h2', {}, '1. Create a link'),
      h(
        'p',
        { class: 'hint' },
        'Open it in another tab or browser; that tab answers with a short text.',
      ),
      start,
      status,
    ),
  );
  start.addEventListener('click', () => {
    start.disabled = true;
    status.textContent = 'Gathering candidates…';
    createOffer(container, status).catch((error: unknown) => {
      status.textContent = describeError(error);
      status.classList.add('error');
      start.disabled = false;
    });
  });
}

async function createOffer(container: HTMLElement, status: HTMLElement): Promise<void> {
  const pc = new RTCPeerConnection();
  const channel = pc.createDataChannel('chat');
  const offer = await gatheredDescription(pc, await pc.createOffer());
  const bytes = encodeSignal(offer);
  const text = toLinkText(bytes);
  const link = `${location.origin}${location.pathname}#o=${text}`;
  status.textContent = 'Waiting for the answer';

  const linkField = h('input', {
    type: 'text',
    readonly: '',
    value: link,
    'data-testid': 'offer-link',
  });
  const copy = h('button', {}, 'Copy link');
  copy.addEventListener('click', () => void navigator.clipboard?.writeText(link));
  const answerField = h('textarea', {
    rows: '3',
    placeholder: 'Paste the answer',
    'data-testid': 'answer-input',
  });
  const connect = h('button', { 'data-testid': 'connect' }, 'Connect');
  const answerStatus = h('p', { class: 'status', 'data-testid': 'answer-status' });
  const session = h(
    'section',
    {},
    h('h2', {}, '3. Talk'),
    h('p', { class: 'hint' }, 'Not connected yet.'),
  );

  container.append(
    h(
      'section',
      {},
      h('h2', {}, 'Your link'),
      linkField,
      h(
        'div',
        { class: 'row' },
        copy,
        h('a', { href: link, target: '_blank' }, 'Open in a new tab'),
      ),
      sizeTable(offer.sdp ?? '', bytes, text),
    ),
    h('section', {}, h('h2', {}, '2. Paste the answer'), answerField, connect, answerStatus),
    session,
  );

  connect.addEventListener('click', () => {
    answerStatus.classList.remove('error');
    try {
      const answer = decodeSignal(fromLinkText(answerField.value));
      if (answer.type !== 'answer') throw new Error('that text is an offer, not an answer');
      answerStatus.textContent = 'Connecting…';
      pc.setRemoteDescription(answer).catch((error: unknown) => {
        answerStatus.textContent = describeError(error);
        answerStatus.classList.add('error');
      });
    } catch (error) {
      answerStatus.textContent = describeError(error);
      answerStatus.classList.add('error');
    }
  });
  pc.addEventListener('iceconnectionstatechange', () => {
    if (pc.iceConnectionState === 'failed') {
      answerStatus.textContent = 'The connection failed (ICE): no path between the two tabs.';
      answerStatus.classList.add('error');
    }
  });
  channel.addEventListener('open', () => {
    status.textContent = 'Connected';
    answerStatus.textContent = 'Connected';
    showSession(session, pc, channel);
  });
}
