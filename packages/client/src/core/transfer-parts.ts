import type { ConnectError } from '../errors.ts';
import type { IncomingDigest } from './file-digest.ts';
import type {
  Emit,
  FileDescription,
  OutgoingFile,
  SendFileOptions,
  Transport,
} from './messenger-types.ts';

/**
 * The types the messenger's core (file-sender.ts, file-receiver.ts) and the resumable machinery
 * (file-resume.ts, resumable-sender.ts, resumable-receiver.ts) share. The core knows the
 * resumable side only through these, so a messenger without `FileResume` bundles none of it.
 */

/**
 * Where a receiver keeps the bytes of resumable files so far, so a reload of its page can
 * resume them (IndexedDB in a browser). Bytes are written in order, as pieces at their offsets.
 */
export interface ReceivedBytesStore {
  /** The bytes kept of the file `key` from its start (only the unbroken run), if any. */
  load(key: string): Promise<Blob | undefined>;
  /** Keeps `bytes`, which start at `offset` of the file `key`. */
  append(key: string, offset: number, bytes: Blob): Promise<void>;
  /** Forgets the file `key` (received, cancelled, or failed). */
  remove(key: string): Promise<void>;
}

/** An outgoing transfer that outlives the connection it started on. */
export interface ParkedOutgoing {
  key: string;
  blob: Blob;
  name: string;
  type: string;
  onProgress: ((bytes: number) => void) | undefined;
  settle(error?: ConnectError): void;
  /** Set by the messenger carrying it now: stops it there (and tells the peer). */
  cancelHere: ((reason: string) => void) | undefined;
  /** The description under the messenger carrying it now (its id changes per connection). */
  file: FileDescription;
  /** Its SHA-256 (hex), once asked for: taken once, beside the transfer, whatever it crosses. */
  digest?: Promise<string>;
}

/** An incoming transfer cut off with its connection: what arrived so far, in memory. */
export interface ParkedIncoming {
  file: FileDescription;
  parts: Blob[];
  received: number;
  /** The hash of those bytes so far, to go on with. */
  hash: IncomingDigest | undefined;
}

export interface Outgoing {
  file: FileDescription;
  blob: Blob;
  stopped: boolean;
  onProgress: ((bytes: number) => void) | undefined;
  settle(error?: ConnectError): void;
  /** A resumed transfer waits for the receiver's offset before its first chunk. */
  takeOffset: ((offset: number) => void) | undefined;
  /** The SHA-256 (hex) its `end` carries (resumable transfers). */
  digest: Promise<string> | undefined;
  /** The channel threw when handed a chunk or the end (dead before its close event). */
  cut?: true;
  /** Resumable transfers: told when it ends here, and asked to keep it when the channel goes. */
  onFinish?: () => void;
  park?: () => boolean;
}

/**
 * What the sending half lends a `FileResume` (resumable-sender.ts), so the resumable machinery
 * lives in a module of its own that a plain messenger's bundle does not carry.
 */
export interface SenderCore {
  transport: Transport;
  announce(blob: Blob, description: Omit<FileDescription, 'id'>, resumed: boolean): FileDescription;
  /** Streams `state`'s file from `from` (the receiver's offset, once known). */
  track(state: Outgoing, from: Promise<number> | number): void;
  has(id: number): boolean;
  finish(state: Outgoing, error?: ConnectError): void;
}

/** The resumable part of a sender, made by `FileResume.sends`. */
export interface ResumableSends {
  send(blob: Blob, name: string, type: string, options: SendFileOptions): OutgoingFile;
  /** Announces again the transfers parked in the session (the channel is open). */
  resumeParked(): void;
}

export interface Incoming {
  file: FileDescription;
  /** Hashes the file (resumable transfers: their `end` names the SHA-256). */
  hash: IncomingDigest | undefined;
  parts: Blob[];
  pending: Uint8Array<ArrayBuffer>[];
  pendingBytes: number;
  received: number;
  /** Writes to the store, one after another. */
  stored: Promise<void>;
}

/**
 * What the receiving half lends a `FileResume` (resumable-receiver.ts), so the resumable
 * machinery lives in a module of its own that a plain messenger's bundle does not carry.
 */
export interface ReceiverCore {
  transport: Transport;
  emit: Emit;
  /** Ids whose chunks are dropped (refused files; resumed ones until their offset is sent). */
  refused: Set<number>;
  begin(file: FileDescription, parts: Blob[], received: number, hash?: IncomingDigest): Incoming;
  /** Takes the file off this channel (kept by the session), its pending bytes folded. */
  release(state: Incoming): void;
}

/** The resumable part of a receiver, made by `FileResume.receives`. */
export interface ResumableReceives {
  /** Bytes between writes to the store (what a reload may lose). */
  foldBytes: number | undefined;
  digest(file: FileDescription): IncomingDigest;
  /** A file with a key announced again on a new connection. */
  announce(file: FileDescription & { key: string }): void;
  /** `part`, at `offset` of the file, is in; keeps it (state.stored chains the writes). */
  folded(state: Incoming, offset: number, part: Blob): void;
  /** The file was received whole and checked. */
  received(state: Incoming): void;
  /** The file failed: nothing of it is kept. */
  forget(state: Incoming): void;
  /** The channel is gone: true when the file is kept for the next one (`release`d). */
  park(state: Incoming): boolean;
}

/** What a messenger's sender and receiver ask of a `FileResume`. */
export interface TransferResume {
  sends(core: SenderCore): ResumableSends;
  receives(core: ReceiverCore): ResumableReceives;
}

/** What the resumable sender and receiver use of their `FileResume`. */
export interface ResumeState {
  readonly store: ReceivedBytesStore | undefined;
  readonly outgoing: Map<string, ParkedOutgoing>;
  readonly incoming: Map<string, ParkedIncoming>;
  readonly received: Set<string>;
  readonly closed: boolean;
  cancelOutgoing(parked: ParkedOutgoing, reason: string): void;
  incomingDigest(size: number): IncomingDigest;
  outgoingDigest(parked: ParkedOutgoing): Promise<string>;
}
