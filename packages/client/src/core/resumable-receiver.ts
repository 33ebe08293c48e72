import type { IncomingDigest } from './file-digest.ts';
import type { FileDescription } from './messenger-types.ts';
import type { ReceiverCore, ResumableReceives, ResumeState } from './transfer-parts.ts';

// With a store, every MiB goes to it: what a reload loses is at most this much.
const STORE_FOLD_BYTES = 1024 * 1024;

/**
 * The resumable part of a messenger's receiver (`FileResume.receives`): what arrived of a file
 * is kept in the session (and its store) when the channel goes, and on a new connection the
 * receiver names the offset it holds, so only the rest comes.
 */
export function resumableReceives(resume: ResumeState, core: ReceiverCore): ResumableReceives {
  const { store } = resume;
  const digest = (file: FileDescription) => resume.incomingDigest(file.size);

  /**
   * What this side holds of the file `key`, with its hash so far: in memory (a new
   * connection), else in the store (a reload).
   */
  async function held(
    file: FileDescription & { key: string },
  ): Promise<{ parts: Blob[]; received: number; hash: IncomingDigest }> {
    const { key } = file;
    const parked = resume.incoming.get(key);
    resume.incoming.delete(key);
    if (parked && parked.file.size === file.size && parked.hash) {
      return { parts: parked.parts, received: parked.received, hash: parked.hash };
    }
    let kept: Blob | undefined;
    try {
      kept = await store?.load(key);
    } catch {
      // Unreadable (rejected, or thrown at once by a plain function): from the first byte.
    }
    if (!kept || kept.size > file.size) return { parts: [], received: 0, hash: digest(file) };
    const hash = digest(file);
    try {
      await hash.catchUp(kept);
    } catch {
      return { parts: [], received: 0, hash: digest(file) };
    }
    return { parts: [kept], received: kept.size, hash };
  }

  return {
    foldBytes: store ? STORE_FOLD_BYTES : undefined,
    digest,

    announce(file) {
      const { id } = file;
      if (resume.received.has(file.key)) {
        core.transport.sendQuietly({ t: 'ack', id });
        return;
      }
      // Chunks come only after our offset, so none arrives while the store is read.
      core.refused.add(id);
      held(file).then(({ parts, received, hash }) => {
        core.refused.delete(id);
        core.begin(file, parts, received, hash);
        core.transport.sendQuietly({ t: 'offset', id, offset: received });
        core.emit('file-start', file);
        if (received > 0) core.emit('file-progress', { file, bytes: received });
      });
    },

    folded(state, offset, part) {
      const { key } = state.file;
      if (!store || key === undefined) return;
      state.stored = state.stored.then(() => store.append(key, offset, part)).catch(() => {});
    },

    received(state) {
      const { key } = state.file;
      if (key === undefined) return;
      resume.received.add(key);
      // After the writes still on their way, or they would outlive the removal.
      if (store) void state.stored.then(() => store.remove(key)).catch(() => {});
    },

    forget(state) {
      const { key } = state.file;
      if (key === undefined) return;
      resume.incoming.delete(key);
      if (store) void state.stored.then(() => store.remove(key)).catch(() => {});
    },

    park(state) {
      const { key } = state.file;
      if (key === undefined || resume.closed) return false;
      core.release(state);
      resume.incoming.set(key, {
        file: state.file,
        parts: state.parts,
        received: state.received,
        hash: state.hash,
      });
      return true;
    },
  };
}
