import type { PostReplyResponse } from '@webrtc-connect/protocol';
import {
  decodeSignal,
  encodeSignal,
  isSignalError,
  openSignal,
  type SealForm,
  sealSignal,
  toLinkText,
} from '@webrtc-connect/signal';
import { type Connection, closeConnection, openConnection, whenOpen } from '../core/connection.ts';
import { gatheredDescription } from '../core/gather.ts';
import { checkPeerOptions, createPeerConnection, type PeerOptions } from '../core/peer-options.ts';
import { ConnectError, isConnectError } from '../errors.ts';
import { encodeCallBack, isReady } from './call-back.ts';
import { type LinkProgress, type ProgressReporter, progressReporter } from './link-progress.ts';
import { linkChannel, readLinkToken } from './link-token.ts';
import { MailboxClient, type PostedOffer } from './mailbox-client.ts';

/** How long B waits for A to paste its answer text when there is no mailbox. */
const PASTED_ANSWER_WAIT_MS = 10 * 60_000;

export interface AcceptLinkOptions extends PeerOptions {
  /**
   * The mailbox server's URL. Default: the link's own origin when the link is an http(s) URL.
   * `null`: no mailbox (only self-contained links work; the answer is given as text).
   */
  mailbox?: string | null;
  /**
   * Label of the data channel (default "webrtc-connect"). B makes the channel itself, as A did:
   * the link does not carry A's label, so give both sides the same one if you read it.
   */
  channelLabel?: string;
  /** Told each step: gathering, waiting, connecting, connected or failed (`LinkProgress`). */
  onProgress?: (progress: LinkProgress) => void;
}

export interface Acceptance {
  /**
   * The link's kind. With a self-contained link A is not told of the reply by itself: A's
   * person types the reply code (or pastes the answer text), so B's page should say so.
   */
  kind: 'mailbox' | 'self-contained';
  /** The code to give A (5 or 6 characters), or null when there was no mailbox to post to. */
  replyCode: string | null;
  /** The whole answer as text, for A to paste when there is no mailbox. */
  answerText: string;
  /**
   * The answer sealed under the link secret with a fresh salt, to carry some other way: the
   * `compact` form (8-byte salt and tag) is what the sound way plays.
   */
  sealAnswer(form?: SealForm): Promise<Uint8Array>;
  connected: Promise<Connection>;
  close(): void;
}

/** B's side of the link way: opens A's link, answers, and posts the sealed answer. */
export async function acceptLink(link: string, options: AcceptLinkOptions): Promise<Acceptance> {
  checkPeerOptions(options);
  const token = readLinkToken(link);
  const progress = progressReporter(options.onProgress);
  progress.advance('gathering');
  const mailboxUrl = options.mailbox === undefined ? originOf(link) : options.mailbox;
  const mailbox = mailboxUrl === null ? null : new MailboxClient(mailboxUrl);
  if (token.kind === 'mailbox' && !mailbox) {
    throw new ConnectError(
      'ERR_NO_MAILBOX',
      'this link names an offer in a mailbox, and no mailbox was given',
    );
  }

  let offerBytes: Uint8Array;
  if (token.kind === 'mailbox' && mailbox) {
    // A shows the link while it still gathers: the mailbox holds this fetch until A uploads.
    const sealed = await mailbox.getOffer(token.offerId);
    try {
      offerBytes = await openSignal(sealed, token.secret, 'offer');
    } catch (cause) {
      throw new ConnectError(
        'ERR_FORGED',
        'the offer did not open under the link secret: refused',
        { cause },
      );
    }
  } else {
    offerBytes = token.kind === 'self-contained' ? token.offer : new Uint8Array(0);
  }
  let offer: RTCSessionDescriptionInit;
  try {
    offer = decodeSignal(offerBytes);
  } catch (cause) {
    if (isSignalError(cause) && cause.code === 'ERR_TRUNCATED') {
      throw new ConnectError('ERR_LINK_INCOMPLETE', 'the offer in the link is cut short', {
        cause,
      });
    }
    throw new ConnectError('ERR_BAD_LINK', 'the offer in the link is changed', { cause });
  }
  if (offer.type !== 'offer') throw new ConnectError('ERR_WRONG_SIGNAL', 'the link holds no offer');

  const pc = createPeerConnection(options);
  // Connections made for a call-back (see call-back.ts), closed with the acceptance.
  const others: RTCPeerConnection[] = [];
  const stopCallBack = new AbortController();
  let closed = false;
  // Closed by the app (not by a failure here): no `failed` to report then.
  let closedByApp = false;
  const close = () => {
    closed = true;
    stopCallBack.abort();
    closeConnection(pc);
    for (const other of others) closeConnection(other);
  };
  try {
    await pc.setRemoteDescription(offer);
    const channel = answerChannel(pc, token.inBandChannel === true, options);
    const answer = encodeSignal(
      await gatheredDescription(pc, await pc.createAnswer(), options.gatherTimeout),
    );
    let replyCode: string | null = null;
    let replyExpiresAt = Date.now() + PASTED_ANSWER_WAIT_MS;
    let callBackSlot: PostedOffer | null = null;
    if (mailbox) {
      try {
        let reply: PostReplyResponse;
        if (token.kind === 'mailbox') {
          const sealed = await sealSignal(answer, token.secret, 'answer');
          reply = await mailbox.postReply(sealed, token.offerId);
        } else {
          // The code of a self-contained link is typed, perhaps minutes from now: it calls back.
          callBackSlot = await mailbox.reserveOffer();
          const sealed = await sealSignal(encodeCallBack(callBackSlot), token.secret, 'answer');
          reply = await mailbox.postReply(sealed);
        }
        replyCode = reply.code;
        replyExpiresAt = Date.parse(reply.expiresAt);
      } catch (error) {
        // A self-contained link still works without the mailbox: A pastes the answer text.
        if (token.kind === 'mailbox' || !isConnectError(error) || error.code !== 'ERR_MAILBOX')
          throw error;
        callBackSlot = null;
      }
    }
    // B cannot see when A applies the answer: a person may type the code minutes later. So B
    // waits as long as its reply can still be read, unless told otherwise; ICE failure still
    // ends the wait at once (but for a call-back, which answers afresh).
    const waitMs = options.connectTimeout ?? Math.max(1000, replyExpiresAt - Date.now());
    const opening = openConnection(pc, channel, Promise.resolve(), waitMs);
    let connected: Promise<Connection>;
    if (mailbox && callBackSlot) {
      const callBack = answerCallBack({
        mailbox,
        slot: callBackSlot,
        secret: token.secret,
        offer,
        inBandChannel: token.inBandChannel === true,
        first: { pc, answer, opening },
        options,
        others,
        signal: stopCallBack.signal,
      });
      connected = firstOpen(opening, callBack).then(
        (connection) => {
          stopCallBack.abort();
          for (const other of [pc, ...others]) {
            if (other !== connection.peerConnection) closeConnection(other);
          }
          return connection;
        },
        (error: unknown) => {
          // Closed by the app: say so; else the call-back's own failure is the reason.
          const byApp = closed;
          close();
          throw byApp ? new ConnectError('ERR_CLOSED', 'the link was closed') : error;
        },
      );
    } else if (mailbox && replyCode !== null && token.kind === 'mailbox') {
      // Nor can B see A leave: it asks the mailbox now and then whether the offer still stands.
      connected = untilOfferGone(mailbox, token.offerId, opening).then(
        (gone) => {
          closeConnection(pc);
          throw gone;
        },
        () => opening,
      );
    } else {
      connected = opening;
    }
    connected.then(
      () => progress.advance('connected'),
      () => {
        if (!closedByApp) progress.advance('failed');
      },
    );
    progress.advance('waiting');
    // B cannot see A take its answer; its own checks starting is the first sign of A.
    watchConnecting(pc, progress);
    return {
      kind: token.kind,
      replyCode,
      answerText: toLinkText(answer),
      sealAnswer: (form = 'standard') => sealSignal(answer, token.secret, 'answer', { form }),
      connected,
      close: () => {
        closedByApp = true;
        close();
      },
    };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * B's data channel, open: made here like A's (negotiated, `linkChannel`), or for a version 1
 * link the one A announces in band. Called once the offer is set.
 */
function answerChannel(
  pc: RTCPeerConnection,
  inBand: boolean,
  options: AcceptLinkOptions,
): Promise<RTCDataChannel> {
  return whenOpen(inBand ? pc : linkChannel(pc, options.channelLabel));
}

/** `connecting` once `pc`'s checks run (now, or at its next state change). */
function watchConnecting(pc: RTCPeerConnection, progress: ProgressReporter): void {
  const check = () => {
    const state = pc.connectionState;
    if (state === 'connecting' || state === 'connected') {
      progress.advance('connecting');
      pc.removeEventListener('connectionstatechange', check);
    } else if (state === 'closed' || state === 'failed') {
      pc.removeEventListener('connectionstatechange', check);
    }
  };
  pc.addEventListener('connectionstatechange', check);
  check();
}

/** The first of two connections to open; fails once both have failed, with the second's error. */
function firstOpen(first: Promise<Connection>, second: Promise<Connection>): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let failures = 0;
    let secondError: unknown;
    const failed = () => {
      failures += 1;
      if (failures === 2) reject(secondError);
    };
    first.then(resolve, failed);
    second.then(resolve, (error: unknown) => {
      secondError = error;
      failed();
    });
  });
}

/**
 * B's side of a call-back: waits until A puts its sealed "ready" in the slot, then answers as
 * the slot's reply, with the first connection if it is still alive, else with a fresh one to
 * the same offer. Resolves with the connection once open.
 */
async function answerCallBack(call: {
  mailbox: MailboxClient;
  slot: PostedOffer;
  secret: Uint8Array;
  offer: RTCSessionDescriptionInit;
  inBandChannel: boolean;
  first: { pc: RTCPeerConnection; answer: Uint8Array; opening: Promise<Connection> };
  options: AcceptLinkOptions;
  others: RTCPeerConnection[];
  signal: AbortSignal;
}): Promise<Connection> {
  const { mailbox, slot, secret, first, options } = call;
  const sealedReady = await mailbox.getOffer(slot.id, call.signal);
  let ready: Uint8Array;
  try {
    ready = await openSignal(sealedReady, secret, 'offer');
  } catch (cause) {
    throw new ConnectError('ERR_FORGED', 'the call-back did not open under the link secret', {
      cause,
    });
  }
  if (!isReady(ready)) throw new ConnectError('ERR_WRONG_SIGNAL', 'the call-back is not a ready');
  const state = first.pc.connectionState;
  if (state === 'new' || state === 'connecting' || state === 'connected') {
    await mailbox.postReply(await sealSignal(first.answer, secret, 'answer'), slot.id);
    return first.opening;
  }
  const pc = createPeerConnection(options);
  call.others.push(pc);
  await pc.setRemoteDescription(call.offer);
  const channel = answerChannel(pc, call.inBandChannel, options);
  const answer = encodeSignal(
    await gatheredDescription(pc, await pc.createAnswer(), options.gatherTimeout),
  );
  const opening = openConnection(pc, channel, Promise.resolve(), options.connectTimeout);
  opening.catch(() => {});
  await mailbox.postReply(await sealSignal(answer, secret, 'answer'), slot.id);
  return opening;
}

/** How often B asks whether A withdrew its offer, while it waits to connect. */
const OFFER_CHECK_MS = 3000;

/**
 * Resolves with the mailbox's error once the offer is withdrawn or expired; rejects (ending the
 * checks) once `opening` settles first. A failed check is tried again at the next.
 */
function untilOfferGone(
  mailbox: MailboxClient,
  offerId: string,
  opening: Promise<unknown>,
): Promise<ConnectError> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const end = () => {
      settled = true;
      clearTimeout(timer);
    };
    opening.then(
      () => {
        end();
        reject(new Error('connected'));
      },
      () => {
        end();
        reject(new Error('failed'));
      },
    );
    const check = () => {
      mailbox
        .offerStillThere(offerId)
        .then((answer) => {
          if (settled) return;
          if (answer.there) timer = setTimeout(check, OFFER_CHECK_MS);
          else {
            end();
            resolve(answer.error);
          }
        })
        .catch(() => {
          if (!settled) timer = setTimeout(check, OFFER_CHECK_MS);
        });
    };
    timer = setTimeout(check, OFFER_CHECK_MS);
  });
}

function originOf(link: string): string | null {
  try {
    const url = new URL(link);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}
