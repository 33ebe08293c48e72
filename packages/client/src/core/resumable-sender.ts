import { ConnectError } from '../errors.ts';
import { type SendFileOptions, settlement } from './messenger-types.ts';
import { newTransferKey } from './messenger-wire.ts';
import type {
  Outgoing,
  ParkedOutgoing,
  ResumableSends,
  ResumeState,
  SenderCore,
} from './transfer-parts.ts';

/** A transfer of the session under `key`, on no messenger yet; `done` settles with it. */
export function parkedOutgoing(
  key: string,
  blob: Blob,
  name: string,
  type: string,
  options: SendFileOptions,
): { parked: ParkedOutgoing; done: Promise<void> } {
  const { done, settle } = settlement();
  const parked: ParkedOutgoing = {
    key,
    blob,
    name,
    type,
    onProgress: options.onProgress,
    settle,
    cancelHere: undefined,
    file: { id: -1, key, name, size: blob.size, type },
  };
  return { parked, done };
}

/**
 * The resumable part of a messenger's sender (`FileResume.sends`): each transfer gets a key and
 * is kept in the session while it is between connections; on a new connection it is announced
 * again and goes on from the receiver's offset.
 */
export function resumableSends(resume: ResumeState, core: SenderCore): ResumableSends {
  /** Takes a parked transfer onto this channel: announced again, on from the receiver's offset. */
  function carry(parked: ParkedOutgoing, resumed: boolean): Outgoing {
    const { key, name, type, blob } = parked;
    const file = core.announce(blob, { key, name, type, size: blob.size }, resumed);
    parked.file = file;
    let takeOffset: ((offset: number) => void) | undefined;
    const from = resumed
      ? new Promise<number>((resolve) => {
          takeOffset = resolve;
        })
      : 0;
    const kept = () => !resume.closed && resume.outgoing.get(key) === parked;
    const state: Outgoing = {
      file,
      blob,
      stopped: false,
      onProgress: parked.onProgress,
      settle: parked.settle,
      takeOffset,
      digest: resume.outgoingDigest(parked),
      onFinish() {
        parked.cancelHere = undefined;
        if (resume.outgoing.get(key) === parked) resume.outgoing.delete(key);
      },
      park() {
        if (!kept()) return false;
        parked.cancelHere = undefined;
        return true;
      },
    };
    parked.cancelHere = (reason) => {
      if (!core.has(file.id)) return;
      core.transport.sendQuietly({ t: 'abort', id: file.id, reason });
      core.finish(state, new ConnectError('ERR_CANCELLED', `sending "${name}" was cancelled`));
    };
    core.track(state, from);
    return state;
  }

  return {
    send(blob, name, type, options) {
      if (resume.closed) throw new ConnectError('ERR_CLOSED', 'the session has ended');
      const { parked, done } = parkedOutgoing(newTransferKey(), blob, name, type, options);
      const state = carry(parked, false);
      resume.outgoing.set(parked.key, parked);
      return {
        file: state.file,
        done,
        cancel: (reason = '') => resume.cancelOutgoing(parked, reason),
      };
    },

    resumeParked() {
      if (resume.closed) return;
      for (const parked of resume.outgoing.values()) {
        if (!parked.cancelHere) carry(parked, true);
      }
    },
  };
}
