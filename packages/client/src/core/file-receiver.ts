import { ConnectError } from '../errors.ts';
import type { Emit, FileDescription, Transport } from './messenger-types.ts';
import { protocolError } from './messenger-wire.ts';

// Incoming chunks are folded into a Blob every few MiB, so a browser may keep a large file
// out of the JavaScript heap instead of holding thousands of small buffers.
const FOLD_BYTES = 8 * 1024 * 1024;

interface Incoming {
  file: FileDescription;
  parts: Blob[];
  pending: Uint8Array<ArrayBuffer>[];
  pendingBytes: number;
  received: number;
}

export interface FileReceiver {
  announce(file: FileDescription): void;
  chunk(id: number, bytes: Uint8Array<ArrayBuffer>): void;
  end(id: number): void;
  abort(id: number, reason: string): void;
  cancel(id: number, reason: string): void;
  failAll(error: ConnectError): void;
}

/**
 * The receiving half of a messenger: assembles announced files from their chunks and checks
 * the byte count. What the peer gets wrong about a known file fails that file (`file-failed`,
 * and the sender is told); what belongs to no file throws ERR_PEER_PROTOCOL to the caller.
 */
export function createFileReceiver(emit: Emit, transport: Transport): FileReceiver {
  const incoming = new Map<number, Incoming>();
  const announced = new Set<number>();
  // Chunks of a file we refused may still be on the way; they are dropped without complaint.
  const refused = new Set<number>();

  /** `reasonForPeer`: tell the sender to stop, with this reason. */
  function fail(state: Incoming, error: ConnectError, reasonForPeer?: string): void {
    incoming.delete(state.file.id);
    refused.add(state.file.id);
    if (reasonForPeer !== undefined) {
      transport.sendQuietly({ t: 'reject', id: state.file.id, reason: reasonForPeer });
    }
    emit('file-failed', { file: state.file, error });
  }

  /** The file on its way under `id`; undefined for one we refused; throws for any other id. */
  function onTheWay(id: number, what: string): Incoming | undefined {
    const state = incoming.get(id);
    if (state || refused.has(id)) return state;
    throw protocolError(`${what} of file ${id}, which is not on its way`);
  }

  return {
    announce(file) {
      if (announced.has(file.id)) {
        throw protocolError(`the peer announced file id ${file.id} twice`);
      }
      announced.add(file.id);
      incoming.set(file.id, { file, parts: [], pending: [], pendingBytes: 0, received: 0 });
      emit('file-start', file);
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
      state.pendingBytes += bytes.length;
      state.received += bytes.length;
      if (state.pendingBytes >= FOLD_BYTES) {
        state.parts.push(new Blob(state.pending));
        state.pending = [];
        state.pendingBytes = 0;
      }
      emit('file-progress', { file: state.file, bytes: state.received });
    },

    end(id) {
      const state = onTheWay(id, 'the end');
      if (!state) return;
      if (state.received !== state.file.size) {
        const text = `"${state.file.name}" ended after ${state.received} of ${state.file.size} bytes`;
        fail(state, protocolError(text), text);
        return;
      }
      incoming.delete(id);
      const blob = new Blob([...state.parts, ...state.pending], { type: state.file.type });
      transport.sendQuietly({ t: 'ack', id });
      emit('file-received', { ...state.file, blob });
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
      for (const state of [...incoming.values()]) fail(state, error);
    },
  };
}
