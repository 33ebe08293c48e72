import { ConnectError, isConnectError } from '../errors.ts';
import {
  type FileDescription,
  type OutgoingFile,
  reportLater,
  type SendFileOptions,
  settlement,
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
import type { Outgoing, TransferResume } from './transfer-parts.ts';

export interface FileSender {
  send(blob: Blob, options: SendFileOptions): OutgoingFile;
  /** Announces again the transfers parked in `resume` (the channel is open). */
  resumeParked(): void;
  /** The receiver holds the first `offset` bytes of a resumed transfer: go on from there. */
  offset(id: number, offset: number): void;
  /** The peer counted every byte. */
  ack(id: number): void;
  /** The peer refused the file or gave up on it. */
  reject(id: number, reason: string, code?: 'ERR_HASH_MISMATCH'): void;
  /**
   * The channel is gone: every transfer fails with `error` (a resumable one is parked for the
   * next messenger instead), and no wait for room lasts.
   */
  failAll(error: ConnectError): void;
}

export interface FileSenderOptions {
  chunkSize: number;
  highWaterMark: number;
  resume: TransferResume | undefined;
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
    state.onFinish?.();
    state.settle(error);
  }

  /** The file sent under `id`; undefined for one we gave up on; throws for any other id. */
  function sent(id: number, what: string): Outgoing | undefined {
    const state = outgoing.get(id);
    if (state || id < nextId) return state;
    throw protocolError(`"${what}" for file ${id}, which was never sent`);
  }

  function progress(state: Outgoing, bytes: number): void {
    try {
      state.onProgress?.(bytes);
    } catch (error) {
      reportLater(error);
    }
  }

  async function stream(state: Outgoing, start: number) {
    const { id } = state.file;
    const { blob } = state;
    const send = (data: string | Uint8Array<ArrayBuffer>) => {
      try {
        transport.send(data);
      } catch (error) {
        state.cut = true;
        throw error;
      }
    };
    let offset = start;
    progress(state, offset);
    while (offset < blob.size) {
      await queue.room();
      if (state.stopped) return;
      const end = Math.min(offset + options.chunkSize, blob.size);
      const bytes = new Uint8Array(await blob.slice(offset, end).arrayBuffer());
      if (state.stopped) return;
      send(encodeChunk(id, bytes));
      offset = end;
      progress(state, offset);
    }
    // Resumable transfers are hashed (the whole file, beside the chunks), so the receiver can
    // tell a whole file from a patchwork.
    const sha256 = await state.digest;
    if (state.stopped) return;
    send(encodeControl(sha256 ? { t: 'end', id, sha256 } : { t: 'end', id }));
  }

  function track(state: Outgoing, from: Promise<number> | number): void {
    outgoing.set(state.file.id, state);
    Promise.resolve(from)
      .then((offset) => stream(state, offset))
      .catch((error: unknown) => {
        if (state.stopped) return;
        // The channel died under a send, before its close event (libdatachannel throws
        // "Sending failed, errno=32" while still open): a resumable transfer waits for the
        // session's next connection, as it does on the close event.
        if (state.cut && state.park?.()) {
          outgoing.delete(state.file.id);
          state.stopped = true;
          return;
        }
        const message = `sending "${state.file.name}" failed: ${String(error)}`;
        finish(
          state,
          isConnectError(error) ? error : new ConnectError('ERR_CLOSED', message, { cause: error }),
        );
      });
  }

  function announce(
    blob: Blob,
    description: Omit<FileDescription, 'id'>,
    resumed: boolean,
  ): FileDescription {
    if (nextId > MAX_TRANSFER_ID) throw invalid('this messenger has sent all the files it can');
    const file: FileDescription = { id: nextId, ...description, size: blob.size };
    transport.send(
      encodeControl(resumed ? { t: 'file', ...file, resume: true } : { t: 'file', ...file }),
    );
    nextId += 1;
    return file;
  }

  const resumable = options.resume?.sends({
    transport,
    announce,
    track,
    has: (id) => outgoing.has(id),
    finish,
  });

  return {
    send(blob, sendOptions) {
      if (!(blob instanceof Blob)) throw invalid('sendFile takes a Blob or a File');
      const fileName = 'name' in blob && typeof blob.name === 'string' ? blob.name : 'file';
      const name = sendOptions.name ?? fileName;
      const type = sendOptions.type ?? blob.type;
      if (name.length > MAX_LABEL_LENGTH || type.length > MAX_LABEL_LENGTH) {
        throw invalid(`a file name or type is limited to ${MAX_LABEL_LENGTH} characters`);
      }
      if (resumable) return resumable.send(blob, name, type, sendOptions);
      const { done, settle } = settlement();
      const file = announce(blob, { name, size: blob.size, type }, false);
      const state: Outgoing = {
        file,
        blob,
        stopped: false,
        onProgress: sendOptions.onProgress,
        settle,
        takeOffset: undefined,
        digest: undefined,
      };
      track(state, 0);
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

    resumeParked: () => resumable?.resumeParked(),

    offset(id, offset) {
      const state = sent(id, 'offset');
      if (!state) return;
      const take = state.takeOffset;
      state.takeOffset = undefined;
      if (!take || offset > state.file.size) {
        const text = take
          ? `the peer holds ${offset} bytes of "${state.file.name}", which has ${state.file.size}`
          : `an offset for "${state.file.name}", which was not resumed`;
        transport.sendQuietly({ t: 'abort', id, reason: text });
        finish(state, protocolError(text));
        return;
      }
      take(offset);
    },

    ack(id) {
      const state = sent(id, 'ack');
      if (state) finish(state);
    },

    reject(id, reason, code) {
      const state = sent(id, 'reject');
      if (!state) return;
      const why = reason ? `: ${reason}` : '';
      finish(
        state,
        new ConnectError(
          code ?? 'ERR_CANCELLED',
          code
            ? `the peer found "${state.file.name}" changed${why}`
            : `the peer did not take "${state.file.name}"${why}`,
        ),
      );
    },

    failAll(error) {
      for (const state of [...outgoing.values()]) {
        if (state.park?.()) {
          // Kept for the session's next connection: the next messenger announces it again.
          outgoing.delete(state.file.id);
          state.stopped = true;
        } else finish(state, error);
      }
      queue.close();
    },
  };
}

export function invalid(message: string): ConnectError {
  return new ConnectError('ERR_INVALID_ARGUMENT', message);
}
