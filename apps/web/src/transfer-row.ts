import { announce, formatBytes, h } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';

/** Redraw a progress bar at most this often: a 10 MiB file brings 160 chunks. */
const PROGRESS_INTERVAL_MS = 100;
/** The speed shown is over this last stretch: steady, yet quick to follow a change. */
const SPEED_WINDOW_MS = 3000;
/** Images up to this size get a preview on the receiver (decoding costs memory). */
const PREVIEW_MAX_BYTES = 50 * 1024 * 1024;

export interface TransferRow {
  element: HTMLLIElement;
  progress(bytes: number): void;
  succeed(text: string, download?: { blob: Blob; name: string }): void;
  fail(error: unknown): void;
}

/** "2.4 MiB/s · 12 s left", from the bytes done at moments of the last few seconds. */
export function speedText(
  samples: ReadonlyArray<{ at: number; bytes: number }>,
  size: number,
): string {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.at - first.at < 250) return '';
  const perSecond = ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  if (perSecond <= 0) return 'stalled';
  const left = Math.ceil((size - last.bytes) / perSecond);
  const time = left >= 120 ? `${Math.ceil(left / 60)} min` : `${left} s`;
  return `${formatBytes(perSecond)}/s · ${time} left`;
}

/** One file on its way in either direction: name, progress, speed and time left, cancel. */
export function transferRow(
  name: string,
  size: number,
  direction: 'incoming' | 'outgoing',
  cancel?: () => void,
): TransferRow {
  // <progress> needs a positive max; an empty file is complete at once.
  const bar = h('progress', {
    max: String(Math.max(size, 1)),
    value: '0',
    'aria-label': `${direction === 'outgoing' ? 'Sending' : 'Receiving'} ${name}`,
  });
  const state = h(
    'span',
    { class: 'transfer-state' },
    direction === 'outgoing' ? 'Sending' : 'Receiving',
  );
  const speed = h('span', { class: 'hint', 'data-testid': 'transfer-speed' });
  const cancelButton = h(
    'button',
    {
      type: 'button',
      class: 'link-button',
      'aria-label': `Cancel ${name}`,
      'data-testid': 'transfer-cancel',
    },
    'Cancel',
  );
  const element = h(
    'li',
    { 'data-testid': 'transfer', 'data-direction': direction, 'data-state': 'active' },
    h('div', { class: 'transfer-name' }, `${direction === 'outgoing' ? '↑' : '↓'} ${name}`),
    bar,
    h(
      'div',
      { class: 'row' },
      state,
      h('span', { class: 'hint' }, formatBytes(size)),
      speed,
      cancelButton,
    ),
  );
  if (cancel) cancelButton.addEventListener('click', cancel);
  else cancelButton.remove();
  const samples: { at: number; bytes: number }[] = [{ at: performance.now(), bytes: 0 }];
  let drawnAt = 0;
  const draw = (bytes: number) => {
    bar.value = bytes;
    state.textContent = `${Math.floor((bytes / Math.max(size, 1)) * 100)}%`;
  };
  const finish = (outcome: 'done' | 'failed', text: string) => {
    element.dataset.state = outcome;
    state.textContent = text;
    speed.textContent = '';
    cancelButton.remove();
  };
  return {
    element,
    progress(bytes) {
      const now = performance.now();
      if (now - drawnAt < PROGRESS_INTERVAL_MS && bytes < size) return;
      drawnAt = now;
      samples.push({ at: now, bytes });
      while (samples.length > 2 && now - (samples[0]?.at ?? now) > SPEED_WINDOW_MS) {
        samples.shift();
      }
      draw(bytes);
      if (bytes < size) speed.textContent = speedText(samples, size);
    },
    succeed(text, download) {
      draw(size);
      finish('done', text);
      if (download) {
        // The object URL lives as long as the page: the person may save the file any time.
        const href = URL.createObjectURL(download.blob);
        if (download.blob.type.startsWith('image/') && download.blob.size <= PREVIEW_MAX_BYTES) {
          element.append(
            h('img', {
              class: 'preview',
              src: href,
              alt: `Preview of ${download.name}`,
              'data-testid': 'preview',
            }),
          );
        }
        element.append(
          h(
            'a',
            { href, download: download.name, 'data-testid': 'download' },
            `Save ${download.name}`,
          ),
        );
      }
    },
    fail(error) {
      finish('failed', describeError(error, 'transfer'));
      announce(`${name}: ${describeError(error, 'transfer')}`);
      element.dataset.errorCode = errorCode(error);
      state.classList.add('error');
    },
  };
}
