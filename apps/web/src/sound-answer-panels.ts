import { isConnectError } from 'webrtc-connect';
import type { Acceptance, Invitation } from 'webrtc-connect/link';
import { listenForAnswer, playAnswer, webAudioSound } from 'webrtc-connect/sound';
import { h } from './dom.ts';
import { listeningPanel, listenOptions, playingPanel } from './sound-panel.ts';
import { soundProfileChoice } from './sound-profile-choice.ts';

/**
 * A's choice on the link page: hear B's answer instead of waiting for the mailbox or typing a
 * code. The microphone opens only when asked: the button is the person's consent, and the
 * gesture browsers want before audio starts.
 */
export function listenForAnswerPanel(invitation: Invitation): HTMLElement {
  const start = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'listen-sound' },
    'Listen for the answer',
  );
  const section = soundChoice(
    'The other device plays its answer as sound; this one listens with its microphone.',
    start,
  );
  let shown: HTMLElement | null = null;
  start.addEventListener('click', () => {
    start.remove();
    shown?.remove();
    const panel = listeningPanel(
      'Listening for the answer',
      'Listening… On the other device, choose "Play the answer as sound".',
    );
    section.append(panel.element);
    shown = panel.element;
    let device: ReturnType<typeof webAudioSound>;
    try {
      device = webAudioSound();
    } catch (error) {
      panel.fail(error);
      return;
    }
    const listener = listenForAnswer(invitation, listenOptions(panel, device.microphone));
    listener.heard.then(
      () => panel.done('Answer heard: connecting…'),
      (error: unknown) => {
        // Connected or failed another way: the status line says what happened.
        if (isConnectError(error) && error.code === 'ERR_CLOSED') {
          panel.done('Stopped listening.');
          return;
        }
        panel.fail(error);
        device.close();
        // The person may allow the microphone, or plug one in, and try again.
        start.textContent = 'Try listening again';
        section.append(start);
      },
    );
    invitation.connected.finally(() => device.close()).catch(() => {});
  });
  return section;
}

/** B's choice once it has answered: play the answer as sound, until the devices connect. */
export function playAnswerPanel(acceptance: Acceptance): HTMLElement {
  const start = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'play-sound' },
    'Play the answer as sound',
  );
  const panel = playingPanel();
  const noisy = soundProfileChoice();
  const section = soundChoice(
    'If the other device listens (its "Listen for the answer"), play the answer to it.',
    noisy.element,
    start,
    panel.element,
  );
  start.addEventListener('click', () => {
    start.disabled = true;
    let device: ReturnType<typeof webAudioSound>;
    try {
      device = webAudioSound();
    } catch (error) {
      panel.fail(error);
      return;
    }
    playAnswer(acceptance, { speaker: device.speaker, profile: noisy.profile() }).then(
      (playback) => {
        start.remove();
        noisy.element.remove();
        panel.playing('the answer', playback.payloadBytes, playback.airtime);
        acceptance.connected
          .finally(() => {
            panel.stopped('Stopped playing: the devices are connected.');
            device.close();
          })
          .catch(() => panel.stopped('Stopped playing.'));
      },
      (error: unknown) => {
        device.close();
        panel.fail(error);
        start.disabled = false;
      },
    );
  });
  return section;
}

/** The sound way offered beside the link and code: a heading, what it does, its controls. */
function soundChoice(hint: string, ...controls: HTMLElement[]): HTMLElement {
  return h(
    'section',
    { class: 'sound-choice' },
    h('h2', {}, 'Or connect by sound'),
    h('p', { class: 'hint' }, hint),
    ...controls,
  );
}
