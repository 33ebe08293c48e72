import { ConnectError, isConnectError } from '../errors.ts';
import {
  type FileDescription,
  type OutgoingFile,
  reportLater,
  type SendFileOptions,
  type Transport,
} from './messenger-types.ts';
import {
  encodeChunk,
  encodeControl,
  MAX_LABEL_LENGTH,
  MAX_TRANSFER_ID,
  protocolError,
} from './messenger-wire.ts';
import { createSendQueue } from './send-queue.ts';

interface Outgoing {
  file: FileDescription;
  stopped: boolean;
  settle(error?: ConnectError): void;
}

export interface FileSender {
  send(blob: Blob, options: SendFileOptions): OutgoingFile;
  /** The peer counted every byte. */
  ack(id: number): void;
  /** The peer refused the file or gave up on it. */
  reject(id: number, reason: string): void;
  /** The channel is gone: every transfer fails with `error`, and no wait for room lasts. */
  failAll(error: ConnectError): void;
}

export interface FileSenderOptions {
  chunkSize: number;
  highWaterMark: number;
}

/** The sending half of a messenger: streams files in chunks, never overfilling the channel. */
export function createFileSender(
  channel: RTCDataChannel,
  options: FileSenderOptions,
  transport: Transport,
): FileSender {
  const outgoing = new Map<number, Outgoing>();
  // Back-pressure: a browser closes a channel whose buffer overflows (16 MiB in Chromium).
  const queue = createSendQueue(channel, { highWaterMark: options.highWaterMark });
  let nextId = 0;

  function finish(state: Outgoing, error?: ConnectError): void {
    if (!outgoing.delete(state.file.id)) return;
    state.stopped = true;
    state.settle(error);
  }

  /** The file sent under `id`; undefined for one we gave up on; throws for any other id. */
  function sent(id: number, what: string): Outgoing | undefined {
    const state = outgoing.get(id);
    if (state || id < nextId) return state;
    throw protocolError(`"${what}" for file ${id}, which was never sent`);
  }

  async function stream(state: Outgoing, blob: Blob, onProgress?: (bytes: number) => void) {
    const { id } = state.file;
    let offset = 0;
    while (offset < blob.size) {
      await queue.room();
      if (state.stopped) return;
      const end = Math.min(offset + options.chunkSize, blob.size);
      const bytes = new Uint8Array(await blob.slice(offset, end).arrayBuffer());
      if (state.stopped) return;
      transport.send(encodeChunk(id, bytes));
      offset = end;
      try {
        onProgress?.(offset);
      } catch (error) {
        reportLater(error);
      }
    }
    if (!state.stopped) transport.send(encodeControl({ t: 'end', id }));
  }

  return {
    send(blob, sendOptions) {
      if (!(blob instanceof Blob)) throw invalid('sendFile takes a Blob or a File');
      const fileName = 'name' in blob && typeof blob.name === 'string' ? blob.name : 'file';
      const name = sendOptions.name ?? fileName;
      const type = sendOptions.type ?? blob.type;
      if (name.length > MAX_LABEL_LENGTH || type.length > MAX_LABEL_LENGTH) {
        throw invalid(`a file name or type is limited to ${MAX_LABEL_LENGTH} characters`);
      }
      if (nextId > MAX_TRANSFER_ID) throw invalid('this messenger has sent all the files it can');
      const file: FileDescription = { id: nextId, name, size: blob.size, type };
      transport.send(encodeControl({ t: 'file', ...file }));
      nextId += 1;

      let settle: (error?: ConnectError) => void = () => {};
      const done = new Promise<void>((resolve, reject) => {
        settle = (error) => (error ? reject(error) : resolve());
      });
      // Callers that only watch progress need not handle `done`; those who await it still see it fail.
      done.catch(() => {});
      const state: Outgoing = { file, stopped: false, settle };
      outgoing.set(file.id, state);
      stream(state, blob, sendOptions.onProgress).catch((error: unknown) => {
        const message = `sending "${name}" failed: ${String(error)}`;
        finish(
          state,
          isConnectError(error) ? error : new ConnectError('ERR_CLOSED', message, { cause: error }),
        );
      });
      return {
        file,
        done,
        cancel(reason = '') {
          if (!outgoing.has(file.id)) return;
          transport.sendQuietly({ t: 'abort', id: file.id, reason });
          finish(state, new ConnectError('ERR_CANCELLED', `sending "${name}" was cancelled`));
        },
      };
    },

    ack(id) {
      const state = sent(id, 'ack');
      if (state) finish(state);
    },

    reject(id, reason) {
      const state = sent(id, 'reject');
      if (!state) return;
      const why = reason ? `: ${reason}` : '';
      finish(
        state,
        new ConnectError('ERR_CANCELLED', `the peer did not take "${state.file.name}"${why}`),
      );
    },

    failAll(error) {
      for (const state of [...outgoing.values()]) finish(state, error);
      queue.close();
    },
  };
}

export function invalid(message: string): ConnectError {
  return new ConnectError('ERR_INVALID_ARGUMENT', message);
}
