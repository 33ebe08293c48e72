/**
 * The one send queue of the client: what goes to a data channel is handed over only while
 * its buffer holds at most `highWaterMark` bytes (a browser closes a channel whose buffer
 * overflows: 16 MiB in Chromium); the rest waits, in order, for `bufferedamountlow`. Used by
 * the account way's links (frames pushed as they come) and the messenger's file sender (which
 * waits for `room()` before reading the next chunk, so a large file is never all in memory).
 */
export interface SendQueue {
  /** Queues messages and sends what the buffer has room for. */
  push(...messages: (string | Uint8Array<ArrayBuffer>)[]): void;
  /** Sends what waits, while there is room; call when the channel opens or can send again. */
  pump(): void;
  /** Resolves once the buffer has room and nothing waits (at once when so already). */
  room(): Promise<void>;
  /** Drops what waits, ends every wait for room, and stops listening to the channel. */
  close(): void;
}

export interface SendQueueOptions {
  highWaterMark: number;
  /** Whether queued messages may go out yet (default: the channel is open). */
  canSend?: () => boolean;
  /**
   * The channel threw on send (libdatachannel throws "DataChannel is closed" before its close
   * event): what waited is dropped, and the owner ends as if the close event had come.
   */
  onSendFailed?: (error: unknown) => void;
}

export function createSendQueue(channel: RTCDataChannel, options: SendQueueOptions): SendQueue {
  const waiting: (string | Uint8Array<ArrayBuffer>)[] = [];
  const roomWaiters = new Set<() => void>();
  const canSend = options.canSend ?? (() => channel.readyState === 'open');
  let sending = false;

  const hasRoom = () => channel.bufferedAmount <= options.highWaterMark;
  const wakeRoomWaiters = () => {
    for (const resolve of roomWaiters) resolve();
    roomWaiters.clear();
  };

  const queue: SendQueue = {
    push(...messages) {
      waiting.push(...messages);
      queue.pump();
    },
    pump() {
      // A send can dispatch events synchronously (a fake, or a closing channel): no re-entry.
      if (sending) return;
      sending = true;
      try {
        while (waiting.length > 0 && canSend() && hasRoom()) {
          const next = waiting.shift() as string | Uint8Array<ArrayBuffer>;
          try {
            // Two calls because send's overloads take no union.
            if (typeof next === 'string') channel.send(next);
            else channel.send(next);
          } catch (error) {
            waiting.length = 0;
            options.onSendFailed?.(error);
            return;
          }
        }
      } finally {
        sending = false;
      }
      if (waiting.length === 0 && hasRoom()) wakeRoomWaiters();
    },
    room() {
      if (waiting.length === 0 && hasRoom()) return Promise.resolve();
      return new Promise((resolve) => roomWaiters.add(resolve));
    },
    close() {
      waiting.length = 0;
      channel.removeEventListener('bufferedamountlow', onLow);
      wakeRoomWaiters();
    },
  };
  const onLow = () => queue.pump();
  channel.bufferedAmountLowThreshold = Math.floor(options.highWaterMark / 4);
  channel.addEventListener('bufferedamountlow', onLow);
  return queue;
}
