import type { ConnectError } from '../errors.ts';
import type { ControlMessage } from './messenger-wire.ts';

export interface FileDescription {
  /** Chosen by the sender; names the transfer in its direction. */
  id: number;
  /**
   * The transfer's stable name across the connections of a session (resumable transfers only,
   * a messenger given `resume`); the id changes when the transfer goes on over a new one.
   */
  key?: string;
  name: string;
  size: number;
  /** Media type as the sender gave it ('' when unknown). */
  type: string;
}

export interface ReceivedFile extends FileDescription {
  blob: Blob;
}

/** What a messenger reports, by event name. */
export interface MessengerEvents {
  /**
   * The peer said its name (its `hello`, or a rename), also in `peerName`. Comes before any
   * text the peer sends after it: the channel is ordered.
   */
  name: string;
  /** A chat message from the peer. */
  text: string;
  /** The peer announced a file; its chunks follow. */
  'file-start': FileDescription;
  /** More of an incoming file arrived: `bytes` so far. */
  'file-progress': { file: FileDescription; bytes: number };
  /**
   * An incoming file is complete, its byte count checked against the announcement, and its
   * SHA-256 against the sender's (when it sent one: always for resumable transfers).
   */
  'file-received': ReceivedFile;
  /** An incoming file failed: ERR_CANCELLED, ERR_CLOSED, ERR_HASH_MISMATCH or ERR_PEER_PROTOCOL. */
  'file-failed': { file: FileDescription; error: ConnectError };
  /** The peer sent something malformed or unexpected that belongs to no file; we go on. */
  error: ConnectError;
  /** The channel closed; every pending transfer has failed with ERR_CLOSED. */
  close: undefined;
}

export type Emit = <K extends keyof MessengerEvents>(type: K, event: MessengerEvents[K]) => void;

export interface SendFileOptions {
  /** Default: the File's name, else "file". */
  name?: string;
  /** Default: the Blob's type. */
  type?: string;
  /** Bytes handed to the channel so far. */
  onProgress?: (bytes: number) => void;
}

export interface OutgoingFile {
  file: FileDescription;
  /**
   * Resolves once the peer has counted (and hashed) every byte; rejects with ERR_CANCELLED,
   * ERR_CLOSED or ERR_HASH_MISMATCH. A resumable transfer's does not reject when its connection
   * closes: it goes on over the session's next one, or rejects when the session ends.
   */
  done: Promise<void>;
  cancel(reason?: string): void;
}

/** The messenger's options but `resume` (which messenger.ts adds: file-resume.ts needs these types). */
export interface ChannelMessengerOptions {
  /**
   * Bytes of file per message (default 64 KiB, up to 256 KiB). Firefox ESR 140 receives messages
   * over about 66,000 bytes cut short when another follows closely: above 64 KiB only where no
   * Firefox receives.
   */
  chunkSize?: number;
  /** Stop sending while more than this waits in the channel's buffer (default 1 MiB). */
  highWaterMark?: number;
  /**
   * What to call this side: sent to the peer in a `hello` as soon as the channel is open, before
   * anything else, so the peer knows it before the first message. Up to 256 characters.
   */
  name?: string;
}

export interface Messenger {
  /** Throws ERR_CLOSED when the channel is not open, ERR_INVALID_ARGUMENT when too long. */
  sendText(text: string): void;
  /** Announces the file at once, then streams it; throws ERR_CLOSED when the channel is not open. */
  sendFile(file: Blob, options?: SendFileOptions): OutgoingFile;
  /** The peer's name, once it said one (peers without a name, or older ones, never do). */
  readonly peerName: string | undefined;
  /**
   * Renames this side: the peer gets a `name` event (at once when open; in the `hello` when the
   * channel is still opening). Throws ERR_INVALID_ARGUMENT for a non-string or over 256
   * characters, ERR_CLOSED when the channel is closed.
   */
  setName(name: string): void;
  /** Gives up on an incoming file; the peer's `done` rejects with ERR_CANCELLED. */
  cancelReceive(id: number, reason?: string): void;
  /** Returns the function that removes the listener. */
  on<K extends keyof MessengerEvents>(
    type: K,
    listener: (event: MessengerEvents[K]) => void,
  ): () => void;
  /** Stops using the channel (without closing it); pending transfers fail with ERR_CLOSED. */
  detach(): void;
}

/** How the sending and receiving halves talk back through the channel. */
export interface Transport {
  /** Throws ERR_CLOSED when the channel is not open. */
  send(data: string | Uint8Array<ArrayBuffer>): void;
  /** For replies the peer may never read when the channel is closing: nothing to do about it. */
  sendQuietly(message: ControlMessage): void;
}

/** Reports an exception of app code (a listener) without stopping the channel's handler. */
export function reportLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

export function settlement(): { done: Promise<void>; settle: (error?: ConnectError) => void } {
  let settle: (error?: ConnectError) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  // Callers that only watch progress need not handle `done`; those who await it still see it fail.
  done.catch(() => {});
  return { done, settle };
}
