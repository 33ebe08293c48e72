import { ConnectError } from '../errors.ts';
import { type IncomingDigest, readBackDigest } from './file-digest.ts';
import type { Emit, FileDescription, Transport } from './messenger-types.ts';
import { protocolError } from './messenger-wire.ts';
import type { Incoming, TransferResume } from './transfer-parts.ts';

// Incoming chunks are folded into a Blob every few MiB, so a browser may keep a large file
// out of the JavaScript heap instead of holding thousands of small buffers.
const FOLD_BYTES = 8 * 1024 * 1024;

export interface FileReceiver {
  announce(file: FileDescription, resumed: boolean): void;
  chunk(id: number, bytes: Uint8Array<ArrayBuffer>): void;
  end(id: number, sha256: string | undefined): void;
  abort(id: number, reason: string): void;
  cancel(id: number, reason: string): void;
  failAll(error: ConnectError): void;
}

/**
 * The receiving half of a messenger: assembles announced files from their chunks and checks
 * the byte count (and the SHA-256, when the sender gives one). What the peer gets wrong about a
 * known file fails that file (`file-failed`, and the sender is told); what belongs to no file
 * throws ERR_PEER_PROTOCOL to the caller.
 */
export function createFileReceiver(
  emit: Emit,
  transport: Transport,
  resume: TransferResume | undefined,
): FileReceiver {
  const incoming = new Map<number, Incoming>();
  const announced = new Set<number>();
  // Chunks of a file we refused may still be on the way; they are dropped without complaint.
  const refused = new Set<number>();

  /** `reasonForPeer`: tell the sender to stop, with this reason. */
  function fail(state: Incoming, error: ConnectError, reasonForPeer?: string): void {
    incoming.delete(state.file.id);
    refused.add(state.file.id);
    resumable?.forget(state);
    if (reasonForPeer !== undefined) {
      const { id } = state.file;
      transport.sendQuietly(
        error.code === 'ERR_HASH_MISMATCH'
          ? { t: 'reject', id, reason: reasonForPeer, code: 'ERR_HASH_MISMATCH' }
          : { t: 'reject', id, reason: reasonForPeer },
      );
    }
    emit('file-failed', { file: state.file, error });
  }

  /** The file on its way under `id`; undefined for one we refused; throws for any other id. */
  function onTheWay(id: number, what: string): Incoming | undefined {
    const state = incoming.get(id);
    if (state || refused.has(id)) return state;
    throw protocolError(`${what} of file ${id}, which is not on its way`);
  }

  function fold(state: Incoming): void {
    if (state.pendingBytes === 0) return;
    const part = new Blob(state.pending);
    const offset = state.received - state.pendingBytes;
    state.parts.push(part);
    state.pending = [];
    state.pendingBytes = 0;
    resumable?.folded(state, offset, part);
  }

  function begin(
    file: FileDescription,
    parts: Blob[],
    received: number,
    hash?: IncomingDigest,
  ): Incoming {
    const state: Incoming = {
      file,
      // A messenger without `resume` still checks a file that comes with a key and a hash.
      hash:
        file.key === undefined ? undefined : (hash ?? resumable?.digest(file) ?? readBackDigest),
      parts,
      pending: [],
      pendingBytes: 0,
      received,
      stored: Promise.resolve(),
    };
    incoming.set(file.id, state);
    return state;
  }

  const resumable = resume?.receives({
    transport,
    emit,
    refused,
    begin,
    release(state) {
      incoming.delete(state.file.id);
      fold(state);
    },
  });
  const foldBytes = resumable?.foldBytes ?? FOLD_BYTES;

  return {
    announce(file, resumed) {
      if (announced.has(file.id)) {
        throw protocolError(`the peer announced file id ${file.id} twice`);
      }
      announced.add(file.id);
      if (!resumed || file.key === undefined) {
        begin(file, [], 0);
        emit('file-start', file);
        return;
      }
      if (resumable) resumable.announce(file as FileDescription & { key: string });
      // Without a session to resume from, it starts again from its first byte.
      else {
        begin(file, [], 0);
        transport.sendQuietly({ t: 'offset', id: file.id, offset: 0 });
        emit('file-start', file);
      }
    },

    chunk(id, bytes) {
      const state = onTheWay(id, 'a chunk');
      if (!state) return;
      if (state.received + bytes.length > state.file.size) {
        const text = `"${state.file.name}" brought more than the ${state.file.size} bytes announced`;
        fail(state, protocolError(text), text);
        return;
      }
      state.pending.push(bytes);
      state.hash?.update(bytes);
      state.pendingBytes += bytes.length;
      state.received += bytes.length;
      if (state.pendingBytes >= foldBytes) fold(state);
      emit('file-progress', { file: state.file, bytes: state.received });
    },

    end(id, digest) {
      const state = onTheWay(id, 'the end');
      if (!state) return;
      if (state.received !== state.file.size) {
        const text = `"${state.file.name}" ended after ${state.received} of ${state.file.size} bytes`;
        fail(state, protocolError(text), text);
        return;
      }
      incoming.delete(id);
      const blob = new Blob([...state.parts, ...state.pending], { type: state.file.type });
      const offer = () => {
        resumable?.received(state);
        transport.sendQuietly({ t: 'ack', id });
        emit('file-received', { ...state.file, blob });
      };
      if (digest === undefined) {
        offer();
        return;
      }
      if (!state.hash) {
        const text = `"${state.file.name}" came with a SHA-256 but no key`;
        fail(state, new ConnectError('ERR_HASH_MISMATCH', text), text);
        return;
      }
      // Offered only once its bytes are checked (natively, off the page's main thread).
      state.hash.finish(blob).then(
        (hash) => {
          if (hash === undefined || hash === digest) {
            offer();
            return;
          }
          const text = `"${state.file.name}" arrived with a SHA-256 other than its sender's`;
          fail(state, new ConnectError('ERR_HASH_MISMATCH', text), text);
        },
        (error: unknown) => {
          const text = `"${state.file.name}" could not be read back to check it: ${String(error)}`;
          fail(state, new ConnectError('ERR_CLOSED', text, { cause: error }), text);
        },
      );
    },

    abort(id, reason) {
      const state = onTheWay(id, 'the abort');
      if (!state) return;
      const why = reason ? `: ${reason}` : '';
      const text = `the peer stopped sending "${state.file.name}"${why}`;
      fail(state, new ConnectError('ERR_CANCELLED', text));
    },

    cancel(id, reason) {
      const state = incoming.get(id);
      if (!state) return;
      const text = `receiving "${state.file.name}" was cancelled`;
      fail(state, new ConnectError('ERR_CANCELLED', text), reason);
    },

    failAll(error) {
      for (const state of [...incoming.values()]) {
        // A resumable file is kept for the session's next connection instead.
        if (!resumable?.park(state)) fail(state, error);
      }
    },
  };
}
