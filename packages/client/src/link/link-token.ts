import { OFFER_ID_LENGTH } from '@webrtc-connect/protocol';
import { fromLinkText, toLinkText } from '@webrtc-connect/signal';
import { ConnectError } from '../errors.ts';

/**
 * What a link's `#fragment` carries. Browsers never send the fragment to a server, so the link
 * secret stays between the two people.
 *
 *   byte 0   vvvv kkkk   version 2 (or 1); kind 1 = mailbox, 2 = self-contained
 *   16 bytes            link secret
 *   rest                mailbox: the offer id; self-contained: the compact offer itself
 *
 * Version 2 says A's data channel is negotiated, id `LINK_CHANNEL_ID`: B makes the same channel
 * itself instead of waiting for it to be announced. Version 1 links (made before) announce it
 * in band, and are still read: `inBandChannel` says so.
 */
export type LinkToken = (
  | { kind: 'mailbox'; secret: Uint8Array; offerId: string }
  | { kind: 'self-contained'; secret: Uint8Array; offer: Uint8Array }
) & {
  /** A version 1 link: A announces its data channel in band (DCEP), and B takes it. */
  inBandChannel?: true;
};

/**
 * The stream id of the link way's data channel, negotiated on both sides. Chromium 150 drops,
 * silently, what the answering side sends on a channel announced in band during a moment after
 * it appears (B's first messages right after `connected`: lost in 10–25 % of runs between two
 * Chromium pages, `messagesSent` 0; none lost in 192 links with the channel negotiated).
 */
export const LINK_CHANNEL_ID = 0;

/** The link way's data channel on `pc`, negotiated: each side makes it with the same id. */
export function linkChannel(pc: RTCPeerConnection, label = 'webrtc-connect'): RTCDataChannel {
  return pc.createDataChannel(label, { negotiated: true, id: LINK_CHANNEL_ID });
}

const VERSION = 2;
/** Versions read: 1 (channel announced in band) and 2. */
const VERSIONS = [1, 2];
const KINDS = { mailbox: 1, 'self-contained': 2 } as const;
const SECRET_LENGTH = 16;

export function writeLinkToken(token: LinkToken): string {
  return toLinkText(linkTokenBytes(token));
}

/** The token's bytes, as the sound way sends them (no base64url: every byte costs airtime). */
export function linkTokenBytes(token: LinkToken): Uint8Array {
  const payload = token.kind === 'mailbox' ? fromLinkText(token.offerId) : token.offer;
  const bytes = new Uint8Array(1 + SECRET_LENGTH + payload.length);
  bytes[0] = ((token.inBandChannel ? 1 : VERSION) << 4) | KINDS[token.kind];
  bytes.set(token.secret, 1);
  bytes.set(payload, 1 + SECRET_LENGTH);
  return bytes;
}

/** Reads a token, a fragment (`#…`) or a whole link. */
export function readLinkToken(link: string): LinkToken {
  if (typeof link !== 'string') throw new ConnectError('ERR_BAD_LINK', 'a link is a string');
  const hash = link.indexOf('#');
  const text = (hash >= 0 ? link.slice(hash + 1) : link).trim();
  let bytes: Uint8Array;
  try {
    bytes = fromLinkText(text);
  } catch (cause) {
    // Base64url that starts as one of our links does, but does not end well: cut off.
    if (startsLikeALink(text)) {
      throw new ConnectError('ERR_LINK_INCOMPLETE', 'the link is cut short', { cause });
    }
    throw new ConnectError('ERR_BAD_LINK', 'the link is changed: its fragment is not base64url', {
      cause,
    });
  }
  return readLinkTokenBytes(bytes);
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Base64url text whose first byte is a header of a version read here and a known kind. */
function startsLikeALink(text: string): boolean {
  if (!/^[A-Za-z0-9_-]{2,}$/.test(text)) return false;
  const first = (BASE64URL.indexOf(text[0] ?? '') << 2) | (BASE64URL.indexOf(text[1] ?? '') >> 4);
  return VERSIONS.includes(first >> 4) && Object.values(KINDS).includes((first & 0x0f) as 1 | 2);
}

export function readLinkTokenBytes(bytes: Uint8Array): LinkToken {
  const header = bytes[0] ?? 0;
  if (!VERSIONS.includes(header >> 4)) {
    throw new ConnectError(
      'ERR_BAD_LINK',
      'this is not a WebRTC Connect link, or it is from a newer version',
    );
  }
  const secret = bytes.slice(1, 1 + SECRET_LENGTH);
  const payload = bytes.slice(1 + SECRET_LENGTH);
  if (secret.length < SECRET_LENGTH || payload.length === 0) {
    throw new ConnectError('ERR_LINK_INCOMPLETE', 'the link is cut short');
  }
  switch (header & 0x0f) {
    case KINDS.mailbox: {
      // Every mailbox issues ids of one length: a shorter one is a link cut short, which the
      // mailbox would only refuse as a malformed request.
      const offerId = toLinkText(payload);
      if (offerId.length < OFFER_ID_LENGTH) {
        throw new ConnectError(
          'ERR_LINK_INCOMPLETE',
          'the link is cut short (its offer id is incomplete)',
        );
      }
      if (offerId.length > OFFER_ID_LENGTH) {
        throw new ConnectError('ERR_BAD_LINK', 'the link is longer than a mailbox link');
      }
      return { kind: 'mailbox', secret, offerId, ...channelOf(header) };
    }
    case KINDS['self-contained']:
      return { kind: 'self-contained', secret, offer: payload, ...channelOf(header) };
    default:
      throw new ConnectError('ERR_BAD_LINK', 'the link is of an unknown kind');
  }
}

function channelOf(header: number): { inBandChannel?: true } {
  return header >> 4 === 1 ? { inBandChannel: true } : {};
}
