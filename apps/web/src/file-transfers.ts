import type { FileDescription, FileResume, Messenger } from 'webrtc-connect';
import { announce, formatBytes, h } from './dom.ts';
import { keepFinished, restoreFinished } from './kept-transfers.ts';
import type { SessionHistory } from './session-history.ts';
import { type TransferRow, transferRow } from './transfer-row.ts';
import { forgetSending, keepSending, keptSending } from './transfer-store.ts';

export { type TransferRow, transferRow } from './transfer-row.ts';

/** A resumable session's transfers: they go on across its connections and reloads. */
export interface ResumableFiles {
  resume: FileResume;
  /** The session's link: what this tab's kept Files are filed under. */
  link: string;
  /** What the tab keeps of the session: the files done show again after a reload. */
  history?: SessionHistory;
}

/**
 * Sending files (any size, several at once: chosen, dropped anywhere on the page, or pasted)
 * and receiving them, each with a progress bar, its speed and time left, and a cancel button on
 * both sides. In a resumable session a transfer in flight goes on over the next connection, and
 * after a reload of either page (the sender keeps its File, the receiver its bytes, in
 * IndexedDB): its row comes back with its progress.
 */
export function fileTransfers(messenger: Messenger, resumable?: ResumableFiles): HTMLElement {
  const input = h('input', {
    type: 'file',
    multiple: '',
    class: 'visually-hidden',
    'data-testid': 'file-input',
  });
  const list = h('ul', { class: 'transfers', 'data-testid': 'transfers' });
  // Rows of incoming files by key (a resumable transfer's id changes with each connection).
  const incoming = new Map<string, TransferRow>();
  const currentId = new Map<string, number>();
  const rowKey = (file: FileDescription) => file.key ?? `#${file.id}`;
  const section = h(
    'section',
    { class: 'files', 'data-testid': 'files' },
    h('h2', {}, 'Files'),
    h('label', { class: 'button' }, 'Send files…', input),
    h('p', { class: 'hint' }, 'Or drop them anywhere on this page, or paste them (Ctrl+V).'),
    list,
  );

  const follow = (
    file: File,
    row: TransferRow,
    outgoing: ReturnType<Messenger['sendFile']>,
    kept: Promise<void> | undefined,
  ) => {
    const { key } = outgoing.file;
    outgoing.done
      .then(() => {
        row.succeed('Sent');
        announce(`Sent ${file.name}`);
        if (resumable?.history) keepFinished(resumable.history, 'outgoing', file);
      }, row.fail)
      .finally(() => {
        if (kept && key) void kept.then(() => forgetSending(key)).catch(() => {});
      });
  };

  const send = (files: Iterable<File>) => {
    for (const file of files) {
      let cancel = () => {};
      const row = transferRow(file.name, file.size, 'outgoing', () => cancel());
      list.append(row.element);
      try {
        const outgoing = messenger.sendFile(file, { onProgress: (bytes) => row.progress(bytes) });
        cancel = () => outgoing.cancel();
        const { key } = outgoing.file;
        // Kept until done, so a reload of this page can send the rest.
        const kept =
          resumable && key ? keepSending(resumable.link, key, file).catch(() => {}) : undefined;
        follow(file, row, outgoing, kept);
      } catch (error) {
        row.fail(error);
      }
    }
  };

  // This page was reloaded: the files done before are listed first, then what goes on.
  if (resumable?.history) list.append(...restoreFinished(resumable.history));
  // This page was reloaded while sending: the Files it kept go on from where the peer is.
  if (resumable) {
    keptSending(resumable.link).then(
      (kept) => {
        for (const { key, file } of kept) {
          let cancel = () => {};
          const row = transferRow(file.name, file.size, 'outgoing', () => cancel());
          list.append(row.element);
          try {
            const outgoing = resumable.resume.resend(file, key, {
              onProgress: (bytes) => row.progress(bytes),
            });
            cancel = () => outgoing.cancel();
            follow(file, row, outgoing, Promise.resolve());
          } catch (error) {
            row.fail(error);
            void forgetSending(key).catch(() => {});
          }
        }
      },
      () => {},
    );
    resumable.resume.on('file-failed', ({ file, error }) => {
      incoming.get(rowKey(file))?.fail(error);
      incoming.delete(rowKey(file));
    });
  }

  input.addEventListener('change', () => {
    send(input.files ?? []);
    input.value = '';
  });
  dropAndPaste(section, send);

  const cancelIncoming = (file: FileDescription) => {
    const key = file.key;
    // Waiting for the next connection: nothing carries it now.
    if (key && resumable?.resume.incoming.has(key)) resumable.resume.cancelIncoming(key);
    else messenger.cancelReceive(currentId.get(rowKey(file)) ?? file.id);
  };
  messenger.on('file-start', (file) => {
    const key = rowKey(file);
    currentId.set(key, file.id);
    // A resumed transfer keeps its row.
    if (incoming.has(key)) return;
    const row = transferRow(file.name, file.size, 'incoming', () => cancelIncoming(file));
    incoming.set(key, row);
    list.append(row.element);
    announce(`Receiving ${file.name}, ${formatBytes(file.size)}`);
  });
  messenger.on('file-progress', ({ file, bytes }) => incoming.get(rowKey(file))?.progress(bytes));
  messenger.on('file-received', (file) => {
    incoming.get(rowKey(file))?.succeed('Received', { blob: file.blob, name: file.name });
    if (resumable?.history) keepFinished(resumable.history, 'incoming', file.blob, file.name);
    incoming.delete(rowKey(file));
    currentId.delete(rowKey(file));
    announce(`Received ${file.name}`);
  });
  messenger.on('file-failed', ({ file, error }) => {
    incoming.get(rowKey(file))?.fail(error);
    incoming.delete(rowKey(file));
    currentId.delete(rowKey(file));
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
