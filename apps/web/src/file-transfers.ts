import type { Messenger } from 'webrtc-connect';
import { announce, formatBytes, h } from './dom.ts';
import { type TransferRow, transferRow } from './transfer-row.ts';

export { type TransferRow, transferRow } from './transfer-row.ts';

/**
 * Sending files (any size, several at once: chosen, dropped anywhere on the page, or pasted)
 * and receiving them, each with a progress bar, its speed and time left, and a cancel button on
 * both sides.
 */
export function fileTransfers(messenger: Messenger): HTMLElement {
  const input = h('input', {
    type: 'file',
    multiple: '',
    class: 'visually-hidden',
    'data-testid': 'file-input',
  });
  const list = h('ul', { class: 'transfers', 'data-testid': 'transfers' });
  const incoming = new Map<number, TransferRow>();
  const section = h(
    'section',
    { class: 'files', 'data-testid': 'files' },
    h('h2', {}, 'Files'),
    h('label', { class: 'button' }, 'Send files…', input),
    h('p', { class: 'hint' }, 'Or drop them anywhere on this page, or paste them (Ctrl+V).'),
    list,
  );

  const send = (files: Iterable<File>) => {
    for (const file of files) {
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
  };
  input.addEventListener('change', () => {
    send(input.files ?? []);
    input.value = '';
  });
  dropAndPaste(section, send);

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
  return section;
}

const hasFiles = (transfer: DataTransfer | null) => transfer?.types.includes('Files') ?? false;

/**
 * Files dropped anywhere on the page, or pasted (Ctrl+V of copied files), go to `send` while
 * `section` is on the page; the page is outlined while files are dragged over it.
 */
function dropAndPaste(section: HTMLElement, send: (files: Iterable<File>) => void): void {
  const root = document.documentElement;
  const listeners: Array<[string, (event: Event) => void]> = [];
  const listen = <E extends Event>(type: string, listener: (event: E) => void) => {
    const wrapped = (event: Event) => {
      // The session was replaced (a new link in this tab): this section is gone for good.
      if (!section.isConnected) {
        for (const [name, added] of listeners) document.removeEventListener(name, added);
        root.classList.remove('dropping');
        return;
      }
      listener(event as E);
    };
    listeners.push([type, wrapped]);
    document.addEventListener(type, wrapped);
  };
  listen<DragEvent>('dragover', (event) => {
    if (!hasFiles(event.dataTransfer)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    root.classList.add('dropping');
  });
  listen<DragEvent>('dragleave', (event) => {
    // Leaving the window, not moving between elements inside it.
    if (event.relatedTarget === null) root.classList.remove('dropping');
  });
  listen<DragEvent>('drop', (event) => {
    root.classList.remove('dropping');
    if (!hasFiles(event.dataTransfer)) return;
    event.preventDefault();
    send(event.dataTransfer?.files ?? []);
  });
  listen<ClipboardEvent>('paste', (event) => {
    const files = event.clipboardData?.files;
    if (!files || files.length === 0) return;
    event.preventDefault();
    send(files);
  });
}
