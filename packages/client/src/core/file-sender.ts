import { ConnectError, isConnectError } from '../errors.ts';
import type { FileResume, ParkedOutgoing } from './file-resume.ts';
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
  newTransferKey,
  protocolError,
} from './messenger-wire.ts';
import { createSendQueue } from './send-queue.ts';

interface Outgoing {
  file: FileDescription;
  blob: Blob;
  stopped: boolean;
  onProgress: ((bytes: number) => void) | undefined;
  settle(error?: ConnectError): void;
  /** A resumed transfer waits for the receiver's offset before its first chunk. */
  takeOffset: ((offset: number) => void) | undefined;
  /** Where it is kept while between connections (resumable transfers). */
  parked: ParkedOutgoing | undefined;
}

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
  resume: FileResume | undefined;
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
  const { resume } = options;
  let nextId = 0;

  function finish(state: Outgoing, error?: ConnectError): void {
    if (!outgoing.delete(state.file.id)) return;
    state.stopped = true;
    if (state.parked) {
      state.parked.cancelHere = undefined;
      if (resume?.outgoing.get(state.parked.key) === state.parked) {
        resume.outgoing.delete(state.parked.key);
      }
    }
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
    const { blob, parked } = state;
    // Resumable transfers are hashed, so the receiver can tell a whole file from a patchwork:
    // the whole file at once, beside the chunks (outgoingDigest), not chunk by chunk here.
    const digest = parked && resume ? resume.outgoingDigest(parked) : undefined;
    let offset = start;
    progress(state, offset);
    while (offset < blob.size) {
      await queue.room();
      if (state.stopped) return;
      const end = Math.min(offset + options.chunkSize, blob.size);
      const bytes = new Uint8Array(await blob.slice(offset, end).arrayBuffer());
      if (state.stopped) return;
      transport.send(encodeChunk(id, bytes));
      offset = end;
      progress(state, offset);
    }
    const sha256 = await digest;
    if (state.stopped) return;
    transport.send(encodeControl(sha256 ? { t: 'end', id, sha256 } : { t: 'end', id }));
  }

  function start(state: Outgoing, from: Promise<number> | number): void {
    Promise.resolve(from)
      .then((offset) => stream(state, offset))
      .catch((error: unknown) => {
        if (state.stopped) return;
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

  /** Takes a parked transfer onto this channel: announced again, on from the receiver's offset. */
  function carry(parked: ParkedOutgoing, resumed: boolean): Outgoing {
    const { key, name, type, blob } = parked;
    const file = announce(blob, { key, name, type, size: blob.size }, resumed);
    parked.file = file;
    let takeOffset: ((offset: number) => void) | undefined;
    const from = resumed
      ? new Promise<number>((resolve) => {
          takeOffset = resolve;
        })
      : 0;
    const state: Outgoing = {
      file,
      blob,
      stopped: false,
      onProgress: parked.onProgress,
      settle: parked.settle,
      takeOffset,
      parked,
    };
    parked.cancelHere = (reason) => {
      if (!outgoing.has(file.id)) return;
      transport.sendQuietly({ t: 'abort', id: file.id, reason });
      finish(state, new ConnectError('ERR_CANCELLED', `sending "${name}" was cancelled`));
    };
    outgoing.set(file.id, state);
    start(state, from);
    return state;
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
      const { done, settle } = settlement();
      if (resume) {
        if (resume.closed) throw new ConnectError('ERR_CLOSED', 'the session has ended');
        const parked: ParkedOutgoing = {
          key: newTransferKey(),
          blob,
          name,
          type,
          onProgress: sendOptions.onProgress,
          settle,
          cancelHere: undefined,
          file: { id: -1, name, size: blob.size, type },
        };
        const state = carry(parked, false);
        resume.outgoing.set(parked.key, parked);
        return {
          file: state.file,
          done,
          cancel: (reason = '') => resume.cancelOutgoing(parked, reason),
        };
      }
      const file = announce(blob, { name, size: blob.size, type }, false);
      const state: Outgoing = {
        file,
        blob,
        stopped: false,
        onProgress: sendOptions.onProgress,
        settle,
        takeOffset: undefined,
        parked: undefined,
      };
      outgoing.set(file.id, state);
      start(state, 0);
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

    resumeParked() {
      if (!resume || resume.closed) return;
      for (const parked of resume.outgoing.values()) {
        if (!parked.cancelHere) carry(parked, true);
      }
    },

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
        const { parked } = state;
        if (parked && resume && !resume.closed && resume.outgoing.get(parked.key) === parked) {
          // Kept for the session's next connection: the next messenger announces it again.
          outgoing.delete(state.file.id);
          state.stopped = true;
          parked.cancelHere = undefined;
        } else finish(state, error);
      }
      queue.close();
    },
  };
}

export function invalid(message: string): ConnectError {
  return new ConnectError('ERR_INVALID_ARGUMENT', message);
}
