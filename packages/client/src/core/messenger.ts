import { ConnectError, isConnectError } from '../errors.ts';
import { Emitter } from './emitter.ts';
import { createFileReceiver } from './file-receiver.ts';
import type { FileResume } from './file-resume.ts';
import { createFileSender, invalid } from './file-sender.ts';
import type {
  ChannelMessengerOptions,
  FileDescription,
  Messenger,
  MessengerEvents,
  Transport,
} from './messenger-types.ts';
import {
  type ControlMessage,
  decodeChunk,
  encodeControl,
  MAX_NAME_LENGTH,
  parseControl,
  protocolError,
} from './messenger-wire.ts';

export type {
  FileDescription,
  Messenger,
  MessengerEvents,
  OutgoingFile,
  ReceivedFile,
  SendFileOptions,
} from './messenger-types.ts';

export interface MessengerOptions extends ChannelMessengerOptions {
  /**
   * Makes file transfers resumable (one `FileResume` per session, given to each messenger of
   * it): every transfer gets a stable `key` and a SHA-256, and when this messenger's channel
   * closes or it is detached, its transfers wait in `resume` for the next messenger instead of
   * failing.
   */
  resume?: FileResume;
}

const DEFAULT_CHUNK_SIZE = 64 * 1024;
const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
// Chromium and libdatachannel take messages up to 256 KiB; a chunk carries a 4-byte header.
const MAX_CHUNK_SIZE = 256 * 1024 - 4;
const MAX_TEXT_MESSAGE_BYTES = 64 * 1024;

/**
 * Chat text and files of any size over one ordered data channel, with back-pressure. Messages
 * the peer gets wrong never throw out of the channel's event handlers: they become `error` or
 * `file-failed` events, and the messenger goes on. Wire format: messenger-wire.ts.
 */
export function createMessenger(
  channel: RTCDataChannel,
  options: MessengerOptions = {},
): Messenger {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw invalid(`chunkSize must be a whole number from 1 to ${MAX_CHUNK_SIZE}`);
  }
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < chunkSize) {
    throw invalid('highWaterMark must be a whole number no smaller than chunkSize');
  }
  // A file's end must come after its last chunk.
  if (!channel.ordered) throw invalid('the messenger needs an ordered data channel');
  if (channel.readyState === 'closing' || channel.readyState === 'closed') {
    throw new ConnectError('ERR_CLOSED', 'the data channel is already closed');
  }
  if (options.name !== undefined) checkName(options.name);
  channel.binaryType = 'arraybuffer';

  const events = new Emitter<MessengerEvents>();
  let detached = false;
  let ownName = options.name;
  let helloSent = false;
  let peerName: string | undefined;
  const emit = <K extends keyof MessengerEvents>(type: K, event: MessengerEvents[K]) =>
    events.emit(type, event);

  const transport: Transport = {
    send(data) {
      if (detached || channel.readyState !== 'open') {
        throw new ConnectError('ERR_CLOSED', 'the data channel is not open');
      }
      // Two calls because send's overloads take no union.
      if (typeof data === 'string') channel.send(data);
      else channel.send(data);
    },
    sendQuietly(message) {
      try {
        transport.send(encodeControl(message));
      } catch {}
    },
  };
  const { resume } = options;
  const sender = createFileSender(channel, { chunkSize, highWaterMark, resume }, transport);
  const receiver = createFileReceiver(emit, transport, resume);

  const onControl = (message: ControlMessage) => {
    switch (message.t) {
      case 'hello':
        // Said back once to each hello: a hello of ours that arrived before the peer's app was
        // listening (a page attaches its messenger a moment after the channel opens; seen with
        // Firefox as B) is not lost for good. A `name`, so it asks for nothing in return.
        if (ownName !== undefined && helloSent) transport.sendQuietly({ t: 'name', name: ownName });
        peerName = message.name;
        return emit('name', message.name);
      case 'name':
        peerName = message.name;
        return emit('name', message.name);
      case 'text': {
        if (message.s === undefined || message.n === undefined || !resume) {
          return emit('text', message.text);
        }
        const { s, n, text, f } = message;
        const { show, ack } = resume.texts.received(s, n, text, f);
        // Acknowledged even when seen before: the ack of the first copy may have been lost. Up
        // to what was shown: one that overtook an older text is sent again until that came.
        transport.sendQuietly({ t: 'got', s, n: ack });
        for (const shown of show) emit('text', shown);
        return;
      }
      case 'got':
        resume?.texts.acknowledged(message.s, message.n);
        // The peer's first ack of the session: it may have missed texts sent on a dead
        // connection before it was known to speak this wire.
        if (!textsResent) resendTexts();
        return;
      case 'file': {
        const file: FileDescription = {
          id: message.id,
          name: message.name,
          size: message.size,
          type: message.type,
        };
        if (message.key !== undefined) file.key = message.key;
        return receiver.announce(file, message.resume === true);
      }
      case 'end':
        return receiver.end(message.id, message.sha256);
      case 'offset':
        return sender.offset(message.id, message.offset);
      case 'abort':
        return receiver.abort(message.id, message.reason);
      case 'ack':
        return sender.ack(message.id);
      case 'reject':
        return sender.reject(message.id, message.reason, message.code);
    }
  };

  const onMessage = (event: MessageEvent) => {
    try {
      if (typeof event.data === 'string') onControl(parseControl(event.data));
      else {
        const { id, bytes } = decodeChunk(event.data);
        receiver.chunk(id, bytes);
      }
    } catch (error) {
      emit('error', isConnectError(error) ? error : protocolError(String(error)));
    }
  };

  const stop = (reason: string) => {
    if (detached) return;
    detached = true;
    channel.removeEventListener('message', onMessage);
    channel.removeEventListener('close', onClose);
    // Detached before its channel opened: that open must not take the session's parked
    // transfers from the messenger that has them now.
    channel.removeEventListener('open', onOpen);
    if (resume?.onParked === resumeParked) resume.onParked = undefined;
    const error = new ConnectError('ERR_CLOSED', reason);
    sender.failAll(error);
    receiver.failAll(error);
  };

  function onClose() {
    stop('the data channel closed before the transfer was complete');
    emit('close', undefined);
  }

  // The hello goes first, before any text or file of this side, so the peer names it at once.
  const sendHello = () => {
    if (helloSent || ownName === undefined || detached) return;
    helloSent = true;
    transport.sendQuietly({ t: 'hello', name: ownName });
  };
  // Texts a previous connection may have lost go first, in order; the peer drops any it has.
  // Only those from before this channel opened: later ones are on their way over it.
  let textsResent = false;
  let carriedUpTo = 0;
  const resendTexts = () => {
    if (!resume || textsResent || detached || channel.readyState !== 'open') return;
    const { texts } = resume;
    if (!texts.peerAcks) return;
    textsResent = true;
    for (const { n, text } of texts.unacked) {
      if (n > carriedUpTo) break;
      transport.sendQuietly(numberedText(text, texts.stream, n, texts.oldestBefore(n)));
    }
  };
  // Transfers a previous connection of the session left unfinished go on over this one.
  const resumeParked = () => {
    if (!detached && channel.readyState === 'open') sender.resumeParked();
  };
  const onOpen = () => {
    sendHello();
    if (resume) {
      carriedUpTo = resume.texts.unacked.at(-1)?.n ?? 0;
      resendTexts();
      resume.onParked = resumeParked;
      resumeParked();
    }
  };

  channel.addEventListener('message', onMessage);
  channel.addEventListener('close', onClose);
  if (channel.readyState === 'open') onOpen();
  else channel.addEventListener('open', onOpen, { once: true });

  return {
    get peerName() {
      return peerName;
    },
    setName(name) {
      checkName(name);
      ownName = name;
      if (!helloSent && channel.readyState === 'connecting') return;
      if (helloSent) transport.send(encodeControl({ t: 'name', name }));
      else {
        helloSent = true;
        transport.send(encodeControl({ t: 'hello', name }));
      }
    },
    sendText(text) {
      if (typeof text !== 'string') throw invalid('sendText takes a string');
      // Numbered when the session resumes: encoded once, and measured as it will be sent.
      const texts = resume?.texts;
      const message = encodeControl(
        texts
          ? numberedText(text, texts.stream, texts.nextNumber, texts.oldestBefore(texts.nextNumber))
          : { t: 'text', text },
      );
      if (new TextEncoder().encode(message).length > MAX_TEXT_MESSAGE_BYTES) {
        throw invalid(`a text message is limited to ${MAX_TEXT_MESSAGE_BYTES} bytes; send a file`);
      }
      if (texts) {
        // Throws ERR_CLOSED, before numbering, when the channel is not open.
        if (detached || channel.readyState !== 'open') {
          throw new ConnectError('ERR_CLOSED', 'the data channel is not open');
        }
        texts.sent(text);
      }
      transport.send(message);
    },
    sendFile: (blob, sendOptions = {}) => sender.send(blob, sendOptions),
    cancelReceive: (id, reason = 'cancelled by the receiver') => receiver.cancel(id, reason),
    on: (type, listener) => events.on(type, listener),
    detach: () => stop('the messenger was detached from the data channel'),
  };
}

function numberedText(text: string, s: string, n: number, f: number | undefined): ControlMessage {
  return f === undefined ? { t: 'text', text, s, n } : { t: 'text', text, s, n, f };
}

function checkName(name: unknown): void {
  if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH) {
    throw invalid(`a name is a string of at most ${MAX_NAME_LENGTH} characters`);
  }
}
