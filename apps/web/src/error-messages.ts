import { type ConnectErrorCode, isConnectError } from 'webrtc-connect';

/** What the person was doing when it failed: the same code means different things to them. */
export type ErrorContext = 'link' | 'reply' | 'connection' | 'transfer' | 'sound';

type Sentence = string | (Partial<Record<ErrorContext, string>> & { other: string });

/**
 * One sentence per error code, in words a person can act on. A Record over every code, so a
 * new code in the library fails the type check here until it has its sentence.
 */
const SENTENCES: Record<ConnectErrorCode, Sentence> = {
  ERR_INVALID_OPTIONS: 'This page is set up wrongly. Reload it and try again.',
  ERR_BAD_LINK:
    'This is not a WebRTC Connect link, or characters of it were changed on the way, or it was made by a newer version of this app. Reload this page, or ask for the link again and copy it whole.',
  ERR_LINK_INCOMPLETE:
    'This link is incomplete: its end was cut off when it was copied or sent. Ask for the link again and copy all of it.',
  ERR_BAD_ANSWER:
    'That answer text is cut short or changed. Copy it again, whole, from the other device.',
  ERR_BAD_REPLY_CODE:
    'That is not a reply code. A reply code is 5 or 6 letters and digits, shown large on the other device.',
  ERR_NOT_FOUND: {
    link: 'This link points to nothing the server knows: it was mistyped, made on another server, or expired long ago. Ask for a new link.',
    reply:
      'No reply has this code. Check it against the other device (0 and O, 1 and I count the same).',
    other: 'The server does not know this link or code.',
  },
  ERR_EXPIRED: {
    link: 'This link has expired: links last ten minutes. Ask for a new one.',
    connection: 'The link expired before the other device opened it. Make a new link.',
    reply: 'This reply code has expired. Make a new link and start again.',
    other: 'This link or code has expired. Make a new link and start again.',
  },
  ERR_WITHDRAWN:
    'The person who made this link closed it (or left the page) before you connected. Ask them for a new link.',
  ERR_ALREADY_USED: {
    link: 'This link was already used: someone else has answered it, and a link connects two devices only. Ask for a new one.',
    reply: 'This reply code was already used: a code works once. Make a new link and start again.',
    other: 'This link or code was already used. Make a new link and start again.',
  },
  ERR_RATE_LIMITED: 'Too many tries from this device. Wait a minute, then try again.',
  ERR_MAILBOX: 'The server could not be reached, or it failed. Check the network and try again.',
  ERR_NO_MAILBOX:
    'This needs the server, and none is reachable. Paste the whole answer text instead of the code.',
  // The seal check failed. Opening a link, the likely cause is a character changed in copying
  // (the secret is in the link); for a reply, the server handed over something the link's
  // secret did not seal: altered on the way, or forged.
  ERR_FORGED: {
    link: 'This link does not match the offer it names: a character was most likely changed when it was copied. Ask for the link again and copy it whole.',
    other:
      'What came back through the server does not belong to this link: it was altered or forged on the way (or the other device opened a changed copy of the link), so it was refused. Make a new link.',
  },
  ERR_REPLAYED:
    'A signal to resume this session came twice or out of order, so it was refused. Make a new link if the session does not come back.',
  ERR_WRONG_SIGNAL:
    'That is the wrong kind of text here: an answer where a link belongs, or the reverse.',
  ERR_CONNECTION_FAILED:
    'The two devices found no network path to each other. Try again with both on the same network.',
  ERR_TIMEOUT: 'The two devices did not manage to connect in time. Make a new link and try again.',
  ERR_CLOSED: {
    transfer: 'The connection closed before the file was complete.',
    other: 'The connection was closed.',
  },
  ERR_INVALID_ARGUMENT:
    'That cannot be sent: it is too large for one message or of the wrong kind.',
  ERR_PEER_PROTOCOL:
    'The other device sent something this app does not understand; it was ignored.',
  ERR_CANCELLED: 'The file transfer was cancelled.',
  ERR_HASH_MISMATCH:
    'The file arrived changed (its checksum differs from the sender’s), so it was not kept. Send it again.',
  ERR_ACCOUNT_REFUSED: 'The server did not let this device in. Sign in again.',
  ERR_NO_TOKEN: 'Signing in again did not work. Sign in again.',
  ERR_ACCOUNT_SERVER: 'The server could not be reached, or it closed the connection. Try again.',
  ERR_ACCOUNT_PROTOCOL:
    'The server answered in a way this page does not understand. Reload the page, or try again later.',
  ERR_MICROPHONE_REFUSED:
    'The microphone was refused. Allow this page to use it (the microphone or lock icon beside the address), then try again.',
  ERR_NO_MICROPHONE:
    'No microphone could be opened. Plug one in, or close the program that uses it, then try again.',
  ERR_SILENT_INPUT:
    'Nothing to hear: check that the microphone is not muted and turn up the volume on the other device.',
  ERR_PAYLOAD_TOO_LARGE:
    'This connection is too long to send by sound. Use the link or the reply code instead.',
  ERR_SOUND_TIMEOUT:
    'Nothing could be decoded in time. Bring the devices closer, turn the volume up, and try again.',
  ERR_AUDIO_UNAVAILABLE:
    'This browser cannot play or record sound here. Use the link or the reply code instead.',
};

/** A sentence for a person; anything that is not a ConnectError is an unexpected failure. */
export function describeError(error: unknown, context: ErrorContext): string {
  if (!isConnectError(error)) {
    return `Something unexpected went wrong: ${error instanceof Error ? error.message : String(error)}`;
  }
  const sentence = SENTENCES[error.code];
  return typeof sentence === 'string' ? sentence : (sentence[context] ?? sentence.other);
}

/** The error's stable code, for people who report a problem (and for tests). */
export function errorCode(error: unknown): string {
  return isConnectError(error) ? error.code : 'unexpected';
}
