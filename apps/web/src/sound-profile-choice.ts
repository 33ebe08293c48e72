import type { PlayAnswerOptions } from 'webrtc-connect/sound';
import { h } from './dom.ts';

type ProfileName = NonNullable<PlayAnswerOptions['profile']>;

/**
 * Below this rate a microphone is a telephone-grade one: a Bluetooth headset switches to its
 * call mode (8 or 16 kHz) the moment a page opens its microphone, and only the narrowband sound
 * (300 to 3400 Hz) gets through it.
 */
export const NARROWBAND_BELOW_HZ = 32000;

export interface SoundProfileChoice {
  element: HTMLElement;
  /** The profile to play in, from the boxes ticked and the microphone's rate (if known). */
  profile(): ProfileName;
  /** The microphone's own rate: below 32 kHz, the narrowband sound is played, and the page says why. */
  useMicrophoneRate(rate: number | undefined): void;
}

/** Words for a microphone rate, as the page shows it: "16 kHz". */
export function kilohertz(rate: number): string {
  return `${Number((rate / 1000).toFixed(1))} kHz`;
}

/**
 * The sound settings, on the playing device only: the listener decodes every profile, so the
 * person whose device plays decides, and the other device needs no setting.
 */
export function soundProfileChoice(): SoundProfileChoice {
  const noisy = h('input', { type: 'checkbox', 'data-testid': 'noisy-room' });
  const phone = h('input', { type: 'checkbox', 'data-testid': 'phone-call' });
  const reason = h('p', { class: 'hint', 'data-testid': 'narrowband-reason', hidden: '' });
  let narrowMicrophone: number | undefined;
  const explain = () => {
    if (phone.checked) {
      reason.textContent =
        'Playing the narrowband sound (300 to 3400 Hz, about 2 s a copy): it gets through a phone call and a headset. Hold the phone to the speaker.';
    } else if (narrowMicrophone !== undefined) {
      reason.textContent = `This microphone runs at ${kilohertz(narrowMicrophone)}: a headset in its call mode, or a phone line. Playing the narrowband sound (300 to 3400 Hz), the one that gets through it.`;
    }
    reason.hidden = !phone.checked && narrowMicrophone === undefined;
  };
  phone.addEventListener('change', explain);
  const element = h(
    'div',
    { class: 'sound-settings' },
    h(
      'label',
      { class: 'choice' },
      noisy,
      ' Noisy room: play a slower, sturdier sound (about 3 s a copy instead of 1 s)',
    ),
    h('label', { class: 'choice' }, phone, ' Through a phone call or headset'),
    reason,
  );
  return {
    element,
    profile: () => {
      if (phone.checked || narrowMicrophone !== undefined) return 'narrowband';
      return noisy.checked ? 'robust' : 'fast';
    },
    useMicrophoneRate: (rate) => {
      narrowMicrophone = rate !== undefined && rate < NARROWBAND_BELOW_HZ ? rate : undefined;
      explain();
    },
  };
}

/** The microphone's own rate, and the stream opened to read it, to let go of once listening. */
export interface MicrophoneProbe {
  rate: number | undefined;
  release(): void;
}

/**
 * Opens the default microphone to read the rate it reports, before anything plays. The stream
 * stays open until `release()`: closing it just before the flow opens the microphone again
 * left some audio stacks (PulseAudio) silent for seconds. Never fails: a refusal or a device
 * that does not say gives an undefined rate, and the flow that follows reports a refusal in its
 * own words.
 */
export async function probeMicrophone(): Promise<MicrophoneProbe> {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    return {
      rate: stream.getAudioTracks()[0]?.getSettings().sampleRate,
      release: () => {
        for (const track of stream.getTracks()) track.stop();
      },
    };
  } catch {
    return { rate: undefined, release: () => {} };
  }
}
