import type { AccountSession } from 'webrtc-connect/account';
import { h } from './dom.ts';
import { type TransferRow, transferRow } from './file-transfers.ts';

/**
 * File bytes per message. The account's messages may carry up to 255 KiB, but between Firefox
 * ESR 140 pages on a busy machine 192 KiB messages stalled for good after the first one or two
 * (web-account.test.ts: 4 of 8 Firefox pairings at a load of 6 to 12); 64 KiB ones went through
 * 12 of 12 under the same load, in 0.1 to 0.3 s for 600 KiB.
 */
const CHUNK_BYTES = 64 * 1024;
/** Chunks of one file sent and not yet acknowledged by every device. */
const WINDOW = 8;

/**
 * A file's header, as JSON after its length (2 bytes, big-endian): `start` names the file, and
 * each `chunk` carries bytes after the header. One sender's messages arrive in order, so chunks
 * need no offsets; a file is complete when its bytes reach its size.
 */
type FileHeader =
  | { t: 'start'; id: string; name: string; size: number }
  | { t: 'chunk'; id: string };

interface Incoming {
  row: TransferRow;
  name: string;
  size: number;
  parts: Uint8Array<ArrayBuffer>[];
  bytes: number;
}

export interface AccountFiles {
  element: HTMLElement;
  /** Takes a binary message of another device. */
  receive(from: string, data: Uint8Array<ArrayBuffer>): void;
}

/** Files to every other device of the room, in chunks, with progress on every side. */
export function accountFiles(
  session: AccountSession,
  nameOf: (id: string) => string = (id) => id,
): AccountFiles {
  const input = h('input', {
    type: 'file',
    multiple: '',
    class: 'visually-hidden',
    'data-testid': 'account-file-input',
  });
  const list = h('ul', { class: 'transfers', 'data-testid': 'account-transfers' });
  const incoming = new Map<string, Incoming>();

  input.addEventListener('change', () => {
    for (const file of input.files ?? []) {
      const row = transferRow(file.name, file.size, 'outgoing');
      list.append(row.element);
      sendFile(session, file, (bytes) => row.progress(bytes)).then(
        () => row.succeed('Sent to every device'),
        row.fail,
      );
    }
    input.value = '';
  });

  const finish = (key: string, transfer: Incoming) => {
    incoming.delete(key);
    transfer.row.succeed('Received', { blob: new Blob(transfer.parts), name: transfer.name });
  };
  const receive = (from: string, data: Uint8Array<ArrayBuffer>) => {
    const parsed = parse(data);
    if (!parsed) return;
    const { header, body } = parsed;
    const key = `${from}/${header.id}`;
    if (header.t === 'start') {
      const row = transferRow(`${header.name} (from ${nameOf(from)})`, header.size, 'incoming');
      list.append(row.element);
      const transfer = { row, name: header.name, size: header.size, parts: [], bytes: 0 };
      incoming.set(key, transfer);
      if (header.size === 0) finish(key, transfer);
      return;
    }
    const transfer = incoming.get(key);
    if (!transfer) return;
    transfer.parts.push(body);
    transfer.bytes += body.byteLength;
    transfer.row.progress(transfer.bytes);
    if (transfer.bytes >= transfer.size) finish(key, transfer);
  };

  return {
    element: h(
      'section',
      { class: 'files' },
      h('h2', {}, 'Files'),
      h('label', { class: 'button' }, 'Send files to all devices…', input),
      list,
    ),
    receive,
  };
}

/** Sends the start, then the chunks with up to WINDOW in flight; progress counts acknowledged bytes. */
async function sendFile(
  session: AccountSession,
  file: File,
  onProgress: (bytes: number) => void,
): Promise<void> {
  const id = crypto.randomUUID();
  await session.send(encodeFrame({ t: 'start', id, name: file.name, size: file.size }));
  let acknowledged = 0;
  const inFlight = new Set<Promise<void>>();
  for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
    const bytes = new Uint8Array(await file.slice(offset, offset + CHUNK_BYTES).arrayBuffer());
    // Sends are queued in call order, so the chunks go out (and arrive) in order.
    const sent = session.send(encodeFrame({ t: 'chunk', id }, bytes)).then(() => {
      acknowledged += bytes.byteLength;
      onProgress(acknowledged);
      inFlight.delete(sent);
    });
    inFlight.add(sent);
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/**
 * The frame of every binary message the app sends in a room: a JSON header after its length
 * (2 bytes, big-endian), then the body. Files and names (account-names.ts) share it, told apart
 * by the header's `t`.
 */
export function encodeFrame(header: object, body = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const message = new Uint8Array(2 + json.byteLength + body.byteLength);
  new DataView(message.buffer).setUint16(0, json.byteLength);
  message.set(json, 2);
  message.set(body, 2 + json.byteLength);
  return message;
}

/** The header and body of a frame, or undefined for bytes that are not one. */
export function parseFrame(
  data: Uint8Array<ArrayBuffer>,
): { header: Record<string, unknown>; body: Uint8Array<ArrayBuffer> } | undefined {
  if (data.byteLength < 2) return undefined;
  const length = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint16(0);
  try {
    const header: unknown = JSON.parse(new TextDecoder().decode(data.subarray(2, 2 + length)));
    if (typeof header !== 'object' || header === null) return undefined;
    return { header: header as Record<string, unknown>, body: data.subarray(2 + length) };
  } catch {
    return undefined;
  }
}

function parse(
  data: Uint8Array<ArrayBuffer>,
): { header: FileHeader; body: Uint8Array<ArrayBuffer> } | undefined {
  const frame = parseFrame(data);
  if (typeof frame?.header.id !== 'string') return undefined;
  if (frame.header.t !== 'start' && frame.header.t !== 'chunk') return undefined;
  return { header: frame.header as FileHeader, body: frame.body };
}
