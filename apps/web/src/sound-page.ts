import { type Connection, isConnectError } from 'webrtc-connect';
import { answerBySound, offerBySound, webAudioSound } from 'webrtc-connect/sound';
import { connectionStatus } from './connection-status.ts';
import { h, startAgain } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { appIceServers } from './ice-servers.ts';
import { followConnection } from './session-view.ts';
import { listeningPanel, listenOptions, playingPanel } from './sound-panel.ts';
import {
  probeMicrophone,
  type SoundProfileChoice,
  soundProfileChoice,
} from './sound-profile-choice.ts';

/**
 * Both legs by sound, for devices with no server between them: one device plays its offer and
 * listens; the other listens, then plays its answer. No link, no code, no mailbox.
 */
export function showSoundPage(container: HTMLElement): void {
  const offer = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'sound-offer' },
    'Start: play an offer',
  );
  const answer = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'sound-answer' },
    'Join: listen for an offer',
  );
  const noisy = soundProfileChoice();
  offer.addEventListener('click', () => showOffering(container, noisy));
  answer.addEventListener('click', () => showAnswering(container));
  container.replaceChildren(
    h(
      'section',
      { class: 'home' },
      h('h2', {}, 'Connect by sound'),
      h(
        'p',
        {},
        'For two devices in the same room with no server to reach: one plays its offer, the other hears it and plays its answer back. Choose "Start" on one device and "Join" on the other. Turn the volume up; both need a microphone. Two people on a phone call can do it too, each holding the phone to a device.',
      ),
      noisy.element,
      offer,
      answer,
      h('p', {}, h('a', { href: location.pathname }, 'Back: connect by link')),
    ),
  );
}

const OFFER_STEPS: ReadonlyArray<[string, string]> = [
  ['preparing', 'Preparing the offer…'],
  ['playing', 'Playing the offer and listening for the answer'],
  ['connecting', 'Answer heard: connecting…'],
  ['connected', 'Connected'],
];

/**
 * `choice` says the profile the offer plays in; the answer comes back in the same. The
 * microphone is asked for its rate first: a headset's or a phone line's needs the narrowband one.
 */
function showOffering(container: HTMLElement, choice: SoundProfileChoice): void {
  const status = connectionStatus(OFFER_STEPS);
  const body = h('div', { class: 'sound' });
  const playing = playingPanel();
  // The status line says what happens; the panel shows what the microphone hears.
  const listening = listeningPanel(
    'Microphone',
    'Listening… On the other device, choose "Join: listen for an offer".',
  );
  const stop = stopButton();
  container.replaceChildren(status.element, body);
  body.replaceChildren(choice.element, playing.element, listening.element, stop.element);
  status.set('preparing');
  const device = started(status, body);
  if (!device) return;
  let flow: { close(): void } | undefined;
  stop.onStop(() => {
    flow?.close();
    device.close();
    playing.stopped('Stopped: nothing plays.');
    listening.stopped();
    status.set('stopped', 'Stopped: this device no longer plays or listens.');
    body.append(startAgain());
  });
  const probe = probeMicrophone();
  Promise.all([appIceServers(), probe])
    .then(([iceServers, microphone]) => {
      choice.useMicrophoneRate(microphone.rate);
      for (const box of choice.element.querySelectorAll('input')) box.disabled = true;
      return offerBySound({
        RTCPeerConnection,
        iceServers,
        profile: choice.profile(),
        speaker: device.speaker,
        ...listenOptions(listening, device.microphone),
      });
    })
    .finally(() => probe.then((microphone) => microphone.release()))
    .then(
      (sound) => {
        flow = sound;
        if (stop.stopped) return sound.close();
        status.set('playing');
        playing.playing('the offer', sound.payloadBytes, sound.airtime);
        sound.heard.then(
          () => {
            status.set('connecting');
            playing.stopped('Stopped playing: the answer was heard.');
            listening.done('Answer heard.');
          },
          (error: unknown) => {
            if (!isConnectError(error) || error.code !== 'ERR_CLOSED') listening.fail(error);
          },
        );
        follow(body, status, sound.connected, device, stop);
      },
      (error: unknown) => {
        if (stop.stopped) return;
        stop.element.remove();
        device.close();
        status.fail(describeError(error, 'sound'), errorCode(error));
        body.replaceChildren(startAgain());
      },
    );
}

const ANSWER_STEPS: ReadonlyArray<[string, string]> = [
  ['listening', 'Listening for an offer'],
  ['answering', 'Offer heard: playing the answer'],
  ['connected', 'Connected'],
];

function showAnswering(container: HTMLElement): void {
  const status = connectionStatus(ANSWER_STEPS);
  const body = h('div', { class: 'sound' });
  const listening = listeningPanel(
    'Microphone',
    'Listening… On the other device, choose "Start: play an offer".',
  );
  const playing = playingPanel();
  const stop = stopButton();
  container.replaceChildren(status.element, body);
  body.replaceChildren(listening.element, playing.element, stop.element);
  status.set('listening');
  const device = started(status, body);
  if (!device) return;
  let flow: { close(): void } | undefined;
  stop.onStop(() => {
    flow?.close();
    device.close();
    playing.stopped('Stopped: nothing plays.');
    listening.stopped();
    status.set('stopped', 'Stopped: this device no longer plays or listens.');
    body.append(startAgain());
  });
  appIceServers().then((iceServers) => {
    if (stop.stopped) return;
    const answerer = answerBySound({
      RTCPeerConnection,
      iceServers,
      speaker: device.speaker,
      ...listenOptions(listening, device.microphone),
    });
    answerer.answering.then(
      (playback) => {
        status.set('answering');
        listening.done('Offer heard.');
        playing.playing('the answer', playback.payloadBytes, playback.airtime);
      },
      (error: unknown) => {
        if (!stop.stopped) listening.fail(error);
      },
    );
    flow = answerer;
    follow(body, status, answerer.connected, device, stop);
  });
}

/** The sound device, made in the click that chose the role (browsers want a gesture for audio). */
function started(status: ReturnType<typeof connectionStatus>, body: HTMLElement) {
  try {
    return webAudioSound();
  } catch (error) {
    status.fail(describeError(error, 'sound'), errorCode(error));
    body.replaceChildren(startAgain());
    return null;
  }
}

function follow(
  body: HTMLElement,
  status: ReturnType<typeof connectionStatus>,
  connected: Promise<Connection>,
  device: ReturnType<typeof webAudioSound>,
  stop: StopButton,
): void {
  connected.finally(() => device.close()).catch(() => {});
  // Once the person stopped, the failure that follows (ERR_CLOSED) is no news to them.
  const unlessStopped = new Promise<Connection>((resolve, reject) => {
    connected.then(resolve, (error: unknown) => {
      if (!stop.stopped) reject(error);
    });
  });
  unlessStopped.then(
    () => stop.element.remove(),
    () => stop.element.remove(),
  );
  followConnection(body, status, unlessStopped);
}

interface StopButton {
  element: HTMLElement;
  readonly stopped: boolean;
  onStop(listener: () => void): void;
}

/** "Stop": ends playing and listening, until the person starts again. */
function stopButton(): StopButton {
  const button = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'sound-stop' },
    'Stop',
  );
  let stopped = false;
  let listener = () => {};
  button.addEventListener('click', () => {
    if (stopped) return;
    stopped = true;
    button.remove();
    listener();
  });
  return {
    element: button,
    get stopped() {
      return stopped;
    },
    onStop(next) {
      listener = next;
    },
  };
}
