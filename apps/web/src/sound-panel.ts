import type { ConnectError } from 'webrtc-connect';
import type { Listening, ListenOptions, Microphone } from 'webrtc-connect/sound';
import { h } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { kilohertz, NARROWBAND_BELOW_HZ } from './sound-profile-choice.ts';

/** Quietest level the meter and the spectrum show, dBFS; both run from it to 0 dBFS. */
const METER_FLOOR = -90;
/**
 * What turns an analyser bin's dB into the RMS level (dBFS) of a tone in it, the meter's
 * measure: the analyser's magnitude is halved (one side of the spectrum, -6.02 dB) and
 * scaled by its Blackman window's mean (0.42, -7.54 dB); a sine's RMS is its amplitude less
 * 3.01 dB. So a pure tone stands as high in the spectrum as on the meter.
 */
const BIN_TO_TONE_RMS_DB = 6.02 + 7.54 - 3.01;
/** The spectrum shows the band the modem uses (1 to 7 kHz) and a little either side. */
const SPECTRUM_HZ = 8000;
const SPECTRUM_BARS = 48;
const REDRAW_MS = 100;

export interface ListeningPanel {
  element: HTMLElement;
  /** Handlers for the library's ListenOptions. */
  onLevel(level: number): void;
  onSilence(warning: ConnectError | null): void;
  onListening(listening: Listening): void;
  /** Listening ended in failure: say why, in words a person can act on. */
  fail(error: unknown): void;
  /** Listening ended (heard, or connected another way). */
  done(message: string): void;
  /** The person stopped it. */
  stopped(): void;
}

/** The library's listen options for `microphone`, reported on `panel`. */
export function listenOptions(panel: ListeningPanel, microphone: Microphone): ListenOptions {
  return {
    microphone,
    onLevel: panel.onLevel,
    onSilence: panel.onSilence,
    onListening: panel.onListening,
  };
}

/**
 * What a listening device shows: a live level meter and spectrum (so the person sees the
 * microphone hears the other device), and guidance when the microphone is refused or silent.
 */
export function listeningPanel(title: string, hint: string): ListeningPanel {
  // A bar of our own rather than <meter>, whose look browsers draw each their own way.
  const fill = h('span', { class: 'level-fill' });
  const meter = h(
    'div',
    {
      class: 'level',
      role: 'meter',
      'aria-label': 'Microphone level',
      'aria-valuemin': String(METER_FLOOR),
      'aria-valuemax': '0',
      'aria-valuenow': String(METER_FLOOR),
      'aria-valuetext': 'silent',
      'data-testid': 'sound-level',
      'data-level': String(METER_FLOOR),
    },
    fill,
  );
  const canvas = h('canvas', {
    width: '480',
    height: '80',
    class: 'spectrum',
    'aria-hidden': 'true',
    'data-testid': 'sound-spectrum',
  });
  const guidance = h('p', { class: 'hint', 'data-testid': 'sound-hint', role: 'status' }, hint);
  const error = h('p', { class: 'error', 'data-testid': 'sound-error', role: 'alert' });
  const narrow = h('p', { class: 'hint', 'data-testid': 'microphone-rate', hidden: '' });
  const element = h(
    'section',
    { class: 'sound-panel', 'data-testid': 'sound-panel', 'data-state': 'starting' },
    h('h2', {}, title),
    meter,
    canvas,
    guidance,
    narrow,
    error,
  );
  let redraw: ReturnType<typeof setInterval> | undefined;
  const stopDrawing = () => clearInterval(redraw);

  return {
    element,
    onLevel: (level) => {
      const shown = Math.max(METER_FLOOR, Number.isFinite(level) ? level : METER_FLOOR);
      const rounded = Math.round(shown);
      fill.style.width = `${100 * onScale(shown)}%`;
      meter.dataset.level = String(rounded);
      meter.setAttribute('aria-valuenow', String(rounded));
      meter.setAttribute('aria-valuetext', rounded <= METER_FLOOR ? 'silent' : `${rounded} dB`);
    },
    onSilence: (warning) => {
      if (warning) {
        guidance.textContent = describeError(warning, 'sound');
        guidance.dataset.errorCode = warning.code;
      } else {
        guidance.textContent = hint;
        guidance.removeAttribute('data-error-code');
      }
    },
    onListening: (listening) => {
      element.dataset.state = 'listening';
      const rate = listening.microphoneRate;
      if (rate !== undefined && rate < NARROWBAND_BELOW_HZ) {
        narrow.hidden = false;
        narrow.textContent = `This microphone runs at ${kilohertz(rate)} (a headset in its call mode, or a phone line): only the narrowband sound gets through it. On the other device, tick "Through a phone call or headset".`;
      }
      const analyser = listening.analyser;
      const context = canvas.getContext('2d');
      if (!analyser || !context) return;
      // Decibels, not the analyser's bytes: those span its own -100 to -30 dB, so a bar and the
      // meter disagreed by tens of dB about one sound.
      const bins = new Float32Array(analyser.frequencyBinCount);
      const binHz = analyser.context.sampleRate / analyser.fftSize;
      const perBar = Math.max(1, Math.floor(SPECTRUM_HZ / binHz / SPECTRUM_BARS));
      // By time, not requestAnimationFrame: a background tab never runs the latter.
      redraw = setInterval(() => {
        analyser.getFloatFrequencyData(bins);
        context.clearRect(0, 0, canvas.width, canvas.height);
        context.fillStyle = getComputedStyle(canvas).color;
        const width = canvas.width / SPECTRUM_BARS;
        let loudest = METER_FLOOR;
        for (let bar = 0; bar < SPECTRUM_BARS; bar += 1) {
          let peak = -Infinity;
          for (let i = bar * perBar; i < (bar + 1) * perBar; i += 1)
            peak = Math.max(peak, bins[i] ?? -Infinity);
          const level = Math.max(METER_FLOOR, peak + BIN_TO_TONE_RMS_DB);
          loudest = Math.max(loudest, level);
          const height = onScale(level) * canvas.height;
          context.fillRect(bar * width, canvas.height - height, width - 1, height);
        }
        canvas.dataset.peak = String(Math.round(loudest));
      }, REDRAW_MS);
    },
    fail: (failure) => {
      stopDrawing();
      element.dataset.state = 'failed';
      error.textContent = describeError(failure, 'sound');
      error.dataset.errorCode = errorCode(failure);
    },
    done: (message) => {
      stopDrawing();
      element.dataset.state = 'done';
      guidance.textContent = message;
      guidance.removeAttribute('data-error-code');
    },
    stopped: () => {
      stopDrawing();
      element.dataset.state = 'stopped';
      guidance.textContent = 'Stopped: the microphone is off.';
      guidance.removeAttribute('data-error-code');
    },
  };
}

/** Where `level` (dBFS) sits from METER_FLOOR (0) to 0 dBFS (1): the meter's and spectrum's scale. */
function onScale(level: number): number {
  return Math.min(1, Math.max(0, (level - METER_FLOOR) / -METER_FLOOR));
}

/** What a playing device shows: what it plays, until the peers connect. */
export function playingPanel(): {
  element: HTMLElement;
  playing(what: string, bytes: number, airtime: number): void;
  stopped(message: string): void;
  fail(error: unknown): void;
} {
  const line = h('p', { class: 'hint', 'data-testid': 'sound-playing', 'data-state': 'idle' });
  const error = h('p', { class: 'error', 'data-testid': 'sound-error', role: 'alert' });
  return {
    element: h('div', { class: 'playing-panel' }, line, error),
    playing: (what, bytes, airtime) => {
      line.dataset.state = 'playing';
      line.dataset.bytes = String(bytes);
      line.dataset.airtime = airtime.toFixed(2);
      line.textContent = `Playing ${what} (${bytes} bytes, ${airtime.toFixed(1)} s a copy) until the devices connect. Keep the volume up and the devices close.`;
    },
    stopped: (message) => {
      line.dataset.state = 'stopped';
      line.textContent = message;
    },
    fail: (failure) => {
      line.dataset.state = 'failed';
      error.textContent = describeError(failure, 'sound');
      error.dataset.errorCode = errorCode(failure);
    },
  };
}
