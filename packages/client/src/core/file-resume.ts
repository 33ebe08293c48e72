import { ConnectError } from '../errors.ts';
import { Emitter } from './emitter.ts';
import { type IncomingDigest, WHOLE_DIGEST_MAX_BYTES } from './file-digest.ts';
import { incomingDigest, sha256OfBlob } from './file-digest-incremental.ts';
import type { FileDescription, OutgoingFile, SendFileOptions } from './messenger-types.ts';
import { isTransferKey, MAX_LABEL_LENGTH } from './messenger-wire.ts';
import { resumableReceives } from './resumable-receiver.ts';
import { parkedOutgoing, resumableSends } from './resumable-sender.ts';
import { type KeptTexts, TextResume } from './text-resume.ts';
import type {
  ParkedIncoming,
  ParkedOutgoing,
  ReceivedBytesStore,
  ReceiverCore,
  ResumableReceives,
  ResumableSends,
  ResumeState,
  SenderCore,
  TransferResume,
} from './transfer-parts.ts';

export type { KeptTexts } from './text-resume.ts';
export type { ReceivedBytesStore } from './transfer-parts.ts';

export interface FileResumeOptions {
  /** Keeps incoming bytes beyond this page's life (default: memory only, this page). */
  store?: ReceivedBytesStore;
  /**
   * Files up to this many bytes are hashed whole by WebCrypto (natively, beside the transfer),
   * which holds each in memory once; larger ones incrementally by @noble/hashes on the main
   * thread, several times slower (default 128 MiB).
   */
  wholeDigestMaxBytes?: number;
  /**
   * The chat's state a page kept from its `texts` events before it was reloaded: its texts the
   * peer had not acknowledged are sent again (with their numbers, so none shows twice), and
   * texts the peer sends again that this side already showed are dropped.
   */
  texts?: KeptTexts;
}

export interface FileResumeEvents {
  /** A parked incoming file will never resume: the session ended (`close`). */
  'file-failed': { file: FileDescription; error: ConnectError };
  /**
   * The chat's state changed (a text sent, acknowledged or shown): keep it beside the chat to
   * give back as the `texts` option after a reload, so no unacknowledged text is lost with it.
   */
  texts: KeptTexts;
}

/**
 * What makes a messenger's file transfers resumable: one per session, given to each messenger
 * of it (`createMessenger(channel, { resume })`). When a messenger's channel closes or it is
 * detached, its transfers are kept here instead of failing; the next messenger announces the
 * outgoing ones again and continues from the offset the receiver names.
 */
export class FileResume implements TransferResume, ResumeState {
  readonly store: ReceivedBytesStore | undefined;
  readonly outgoing = new Map<string, ParkedOutgoing>();
  readonly incoming = new Map<string, ParkedIncoming>();
  /**
   * Keys of files this side received in the session: one announced again (its ack was lost
   * with the connection, or the sender reloaded just before it learnt of it) is acknowledged
   * at once instead of being received twice.
   */
  readonly received = new Set<string>();
  /** Chat texts not yet acknowledged, and those received: none lost or shown twice. */
  readonly texts: TextResume;
  readonly #events = new Emitter<FileResumeEvents>();
  #closed: ConnectError | null = null;

  readonly #wholeDigestMax: number;

  constructor(options: FileResumeOptions = {}) {
    const { wholeDigestMaxBytes = WHOLE_DIGEST_MAX_BYTES } = options;
    if (!Number.isSafeInteger(wholeDigestMaxBytes) || wholeDigestMaxBytes < 0) {
      throw invalid('wholeDigestMaxBytes is a whole number of bytes, 0 or more');
    }
    this.store = options.store;
    this.#wholeDigestMax = wholeDigestMaxBytes;
    this.texts = new TextResume(options.texts);
    this.texts.onChange = () => this.#events.emit('texts', this.texts.kept());
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  on<K extends keyof FileResumeEvents>(
    type: K,
    listener: (event: FileResumeEvents[K]) => void,
  ): () => void {
    return this.#events.on(type, listener);
  }

  /**
   * Sends `blob` under `key` on the next messenger (or the current one, when it is told): for a
   * page reloaded during a transfer, with the File it kept. The receiver says where to go on.
   * A key already waiting to be sent is refused (ERR_INVALID_ARGUMENT): cancel that one first.
   */
  resend(blob: Blob, key: string, options: SendFileOptions = {}): OutgoingFile {
    if (!(blob instanceof Blob)) throw invalid('resend takes a Blob or a File');
    if (!isTransferKey(key)) throw invalid('a transfer key is 1 to 64 of A-Z a-z 0-9 _ -');
    if (this.#closed) throw this.#closed;
    // Replacing it would leave the first one's `done` unsettled for ever.
    if (this.outgoing.has(key)) throw invalid(`a transfer under key "${key}" is already waiting`);
    const fileName = 'name' in blob && typeof blob.name === 'string' ? blob.name : 'file';
    const name = options.name ?? fileName;
    const type = options.type ?? blob.type;
    if (name.length > MAX_LABEL_LENGTH || type.length > MAX_LABEL_LENGTH) {
      throw invalid(`a file name or type is limited to ${MAX_LABEL_LENGTH} characters`);
    }
    const { parked, done } = parkedOutgoing(key, blob, name, type, options);
    this.outgoing.set(key, parked);
    this.#wake();
    const { file } = parked;
    return { file, done, cancel: (reason = '') => this.cancelOutgoing(parked, reason) };
  }

  /** Cancels an outgoing transfer wherever it is (parked, or on a messenger). */
  cancelOutgoing(parked: ParkedOutgoing, reason: string): void {
    if (parked.cancelHere) {
      parked.cancelHere(reason);
      return;
    }
    if (this.outgoing.get(parked.key) !== parked) return;
    this.outgoing.delete(parked.key);
    parked.settle(new ConnectError('ERR_CANCELLED', `sending "${parked.name}" was cancelled`));
  }

  /** Gives up on a parked incoming file (and forgets its kept bytes). */
  cancelIncoming(key: string): void {
    const parked = this.incoming.get(key);
    this.incoming.delete(key);
    this.#forgetKept(key);
    if (parked) {
      const text = `receiving "${parked.file.name}" was cancelled`;
      this.#events.emit('file-failed', {
        file: parked.file,
        error: new ConnectError('ERR_CANCELLED', text),
      });
    }
  }

  /**
   * The session ended: nothing resumes any more. Parked outgoing transfers reject, parked
   * incoming ones fail (`file-failed`), and kept bytes are forgotten.
   */
  close(error = new ConnectError('ERR_CLOSED', 'the session ended')): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const parked of this.outgoing.values()) parked.settle(error);
    this.outgoing.clear();
    for (const [key, parked] of this.incoming) {
      this.#forgetKept(key);
      this.#events.emit('file-failed', { file: parked.file, error });
    }
    this.incoming.clear();
    this.texts.clear();
  }

  /** The resumable part of a messenger's sender (the messenger calls it, not apps). */
  sends(core: SenderCore): ResumableSends {
    return resumableSends(this, core);
  }

  /** The resumable part of a messenger's receiver (the messenger calls it, not apps). */
  receives(core: ReceiverCore): ResumableReceives {
    return resumableReceives(this, core);
  }

  /** How a messenger's receiver hashes an incoming file of `size` bytes in this session. */
  incomingDigest(size: number): IncomingDigest {
    return incomingDigest(size, this.#wholeDigestMax);
  }

  /**
   * The SHA-256 (hex) of an outgoing file, started at once (natively, beside the transfer,
   * for all but the largest files) and taken once, however many connections it crosses.
   */
  outgoingDigest(parked: ParkedOutgoing): Promise<string> {
    if (!parked.digest) {
      parked.digest = sha256OfBlob(parked.blob, this.#wholeDigestMax);
      // A transfer cancelled before its end never asks for it.
      parked.digest.catch(() => {});
    }
    return parked.digest;
  }

  /** Forgets the kept bytes of `key`, whether the store rejects or throws at once. */
  #forgetKept(key: string): void {
    const { store } = this;
    if (store)
      void Promise.resolve(key)
        .then((k) => store.remove(k))
        .catch(() => {});
  }

  /** Called by a messenger on an open channel: it takes the parked outgoing transfers. */
  onParked: (() => void) | undefined;

  #wake(): void {
    this.onParked?.();
  }
}

function invalid(message: string): ConnectError {
  return new ConnectError('ERR_INVALID_ARGUMENT', message);
}
