import { decodeSignal, encodeSignal, fromLinkText, toLinkText } from '@webrtc-connect/signal';
import { describeError, h } from './dom.ts';
import { gatheredDescription } from './local-description.ts';
import { showSession } from './session-view.ts';
import { sizeTable } from './sizes.ts';

/** Tab B: opened from A's link; answers and shows the answer text to carry back. */
export function showAnswerPage(container: HTMLElement, offerText: string): void {
  const status = h('p', { class: 'status', 'data-testid': 'status' }, 'Answering…');
  const session = h(
    'section',
    {},
    h('h2', {}, 'Talk'),
    h('p', { class: 'hint' }, 'Not connected yet.'),
  );
  container.replaceChildren(h('section', {}, h('h2', {}, 'Answer'), status), session);
  answer(container, status, session, offerText).catch((error: unknown) => {
    status.textContent = describeError(error);
    status.classList.add('error');
  });
}

async function answer(
  container: HTMLElement,
  status: HTMLElement,
  session: HTMLElement,
  offerText: string,
) {
  const offer = decodeSignal(fromLinkText(offerText));
  if (offer.type !== 'offer') throw new Error('this link holds an answer, not an offer');
  const pc = new RTCPeerConnection();
  pc.addEventListener('datachannel', ({ channel }) => {
    channel.addEventListener('open', () => {
      status.textContent = 'Connected';
      showSession(session, pc, channel);
    });
  });
  await pc.setRemoteDescription(offer);
  const answerDescription = await gatheredDescription(pc, await pc.createAnswer());
  const bytes = encodeSignal(answerDescription);
  const text = toLinkText(bytes);
  status.textContent = 'Give this answer to the tab that made the link:';
  const copy = h('button', {}, 'Copy answer');
  copy.addEventListener('click', () => void navigator.clipboard?.writeText(text));
  status.after(
    h('textarea', { rows: '3', readonly: '', 'data-testid': 'answer-text' }, text),
    copy,
    sizeTable(answerDescription.sdp ?? '', bytes, text),
  );
  container.dataset.answered = 'true';
}
