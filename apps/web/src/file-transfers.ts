import type { Messenger } from 'webrtc-connect';
import { announce, formatBytes, h } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';

/** Redraw a progress bar at most this often: a 10 MiB file brings 160 chunks. */
const PROGRESS_INTERVAL_MS = 100;

export interface TransferRow {
  element: HTMLLIElement;
  progress(bytes: number): void;
  succeed(text: string, download?: { blob: Blob; name: string }): void;
  fail(error: unknown): void;
}

/** Sending files (any size, several at once) and receiving them, each with a progress bar. */
export function fileTransfers(messenger: Messenger): HTMLElement {
  const input = h('input', {
    type: 'file',
    multiple: '',
    class: 'visually-hidden',
    'data-testid': 'file-input',
  });
  const list = h('ul', { class: 'transfers', 'data-testid': 'transfers' });
  const incoming = new Map<number, TransferRow>();

  input.addEventListener('change', () => {
    for (const file of input.files ?? []) {
      let cancel = () => {};
      const row = transferRow(file.name, file.size, 'outgoing', () => cancel());
      list.append(row.element);
      try {
        const outgoing = messenger.sendFile(file, { onProgress: (bytes) => row.progress(bytes) });
        cancel = () => outgoing.cancel();
        outgoing.done.then(() => {
          row.succeed('Sent');
          announce(`Sent ${file.name}`);
        }, row.fail);
      } catch (error) {
        row.fail(error);
      }
    }
    input.value = '';
  });

  messenger.on('file-start', (file) => {
    const row = transferRow(file.name, file.size, 'incoming', () =>
      messenger.cancelReceive(file.id),
    );
    incoming.set(file.id, row);
    list.append(row.element);
    announce(`Receiving ${file.name}, ${formatBytes(file.size)}`);
  });
  messenger.on('file-progress', ({ file, bytes }) => incoming.get(file.id)?.progress(bytes));
  messenger.on('file-received', (file) => {
    incoming.get(file.id)?.succeed('Received', { blob: file.blob, name: file.name });
    incoming.delete(file.id);
    announce(`Received ${file.name}`);
  });
  messenger.on('file-failed', ({ file, error }) => {
    incoming.get(file.id)?.fail(error);
    incoming.delete(file.id);
  });

  return h(
    'section',
    { class: 'files' },
    h('h2', {}, 'Files'),
    h('label', { class: 'button' }, 'Send files…', input),
    list,
  );
}

export function transferRow(
  name: string,
  size: number,
  direction: 'incoming' | 'outgoing',
  cancel?: () => void,
): TransferRow {
  // <progress> needs a positive max; an empty file is complete at once.
  const bar = h('progress', { max: String(Math.max(size, 1)), value: '0' });
  const state = h(
    'span',
    { class: 'transfer-state' },
    direction === 'outgoing' ? 'Sending' : 'Receiving',
  );
  const cancelButton = h('button', { type: 'button', class: 'link-button' }, 'Cancel');
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
      cancelButton,
    ),
  );
  if (cancel) cancelButton.addEventListener('click', cancel);
  else cancelButton.remove();
  let drawnAt = 0;
  const draw = (bytes: number) => {
    bar.value = bytes;
    state.textContent = `${Math.floor((bytes / Math.max(size, 1)) * 100)}%`;
  };
  const finish = (outcome: 'done' | 'failed', text: string) => {
    element.dataset.state = outcome;
    state.textContent = text;
    cancelButton.remove();
  };
  return {
    element,
    progress(bytes) {
      const now = performance.now();
      if (now - drawnAt < PROGRESS_INTERVAL_MS && bytes < size) return;
      drawnAt = now;
      draw(bytes);
    },
    succeed(text, download) {
      draw(size);
      finish('done', text);
      if (download) {
        // The object URL lives as long as the page: the person may save the file any time.
        const href = URL.createObjectURL(download.blob);
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
