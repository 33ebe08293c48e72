import {
  createLinkSecret,
  decodeSignal,
  encodeSignal,
  fromLinkText,
  openSignal,
  sealSignal,
} from '@webrtc-connect/signal';
import { type Connection, closeConnection, openConnection, whenOpen } from '../core/connection.ts';
import { gatheredDescription } from '../core/gather.ts';
import { checkPeerOptions, createPeerConnection, type PeerOptions } from '../core/peer-options.ts';
import { ConnectError, isConnectError } from '../errors.ts';
import { readCallBack, readyBytes } from './call-back.ts';
import { writeLinkToken } from './link-token.ts';
import { MailboxClient, type PostedOffer } from './mailbox-client.ts';
import { looksLikeReplyCode, normalizeReplyCode } from './reply-code.ts';

export interface CreateLinkOptions extends PeerOptions {
  /**
   * The mailbox server's URL. With it, the link names an offer stored there (sealed) and the
   * reply comes back by itself; without it, the link carries the offer itself.
   */
  mailbox?: string;
  /** Put the offer in the link even when there is a mailbox (which then carries only the reply). */
  selfContained?: boolean;
  /** The page links open (default: the mailbox URL). */
  appUrl?: string;
  /** Label of the data channel (default "webrtc-connect"). */
  channelLabel?: string;
}

export interface Invitation {
  /** The link for B: `<appUrl>#<token>`. The token holds the link secret: share it, don't log it. */
  link: string;
  kind: 'mailbox' | 'self-contained';
  /**
   * When a mailbox link stops working (on this device's clock, corrected by the server's Date
   * header when the two disagree): `connected` rejects with ERR_EXPIRED then, unless an answer
   * came. Undefined for a self-contained link, which holds its offer itself.
   */
  expiresAt: Date | undefined;
  /** Resolves once connected: by the reply the mailbox pushes, or by `acceptReply`. */
  connected: Promise<Connection>;
  /**
   * What B shows: a reply code (through the mailbox), or, with no mailbox, the whole answer text;
   * or B's answer sealed under the link secret that came some other way (bytes: by sound, see
   * `webrtc-connect/sound`). Resolves once the answer is applied; connecting then continues in
   * `connected`. The first answer applied wins; later ones resolve the same way.
   */
  acceptReply(reply: string | Uint8Array): Promise<void>;
  close(): void;
}

/**
 * A's side of the link way: makes the offer and its link, then takes B's answer. A mailbox
 * link names an offer id reserved while ICE gathers, so it resolves after one request; the
 * sealed offer follows once gathered (B's fetch waits for it). A self-contained link carries
 * the offer, so it resolves once gathered.
 */
export async function createLink(options: CreateLinkOptions): Promise<Invitation> {
  checkPeerOptions(options);
  const mailbox = options.mailbox === undefined ? null : new MailboxClient(options.mailbox);
  const appUrl = options.appUrl ?? options.mailbox;
  if (appUrl === undefined)
    throw new ConnectError('ERR_INVALID_OPTIONS', 'give appUrl (or a mailbox) for the link');

  const pc = createPeerConnection(options);
  const channel = pc.createDataChannel(options.channelLabel ?? 'webrtc-connect');
  const stop = new AbortController();
  // Aborted by close() alone (`stop` also ends when an answer is applied).
  const closing = new AbortController();
  // 150 ms to 3 s; for a mailbox link it runs alongside the reservation, off the critical path.
  const gathered = pc
    .createOffer()
    .then((description) => gatheredDescription(pc, description, options.gatherTimeout))
    .then(encodeSignal);
  try {
    const secret = createLinkSecret();
    let posted: PostedOffer | null = null;
    let token: string;
    if (mailbox && !options.selfContained) {
      // Its failure is reported through `connected` (below), or not at all if reserving fails.
      gathered.catch(() => {});
      posted = await mailbox.reserveOffer();
      token = writeLinkToken({ kind: 'mailbox', secret, offerId: posted.id });
    } else {
      token = writeLinkToken({ kind: 'self-contained', secret, offer: await gathered });
    }
    const link = linkTo(appUrl, token);

    let answered: Promise<void> | null = null;
    let markStarted: (value: unknown) => void = () => {};
    let failStarted: (error: unknown) => void = () => {};
    const started = new Promise((resolve, reject) => {
      markStarted = resolve;
      failStarted = reject;
    });
    // The one place an answer is applied, whichever way it came: the first one wins.
    const applyAnswer = (bytes: Promise<Uint8Array>): Promise<void> => {
      answered ??= bytes
        .then(async (signal) => {
          const answer = decodeAnswer(signal);
          await pc.setRemoteDescription(answer);
          stop.abort();
          markStarted(undefined);
        })
        .catch((error: unknown) => {
          answered = null;
          throw error;
        });
      return answered;
    };
    const openSealed = async (sealed: Uint8Array) => {
      try {
        return await openSignal(sealed, secret, 'answer');
      } catch (cause) {
        throw new ConnectError(
          'ERR_FORGED',
          'the reply did not open under the link secret: refused',
          { cause },
        );
      }
    };

    /**
     * A reply that is a call-back (call-back.ts): puts a sealed "ready" in B's slot and takes
     * B's answer from it. Any other reply is the answer itself.
     */
    const callBack = async (client: MailboxClient, opened: Uint8Array): Promise<Uint8Array> => {
      const slot = readCallBack(opened);
      if (!slot) return opened;
      const waiting = new AbortController();
      const stopWaiting = () => waiting.abort();
      stop.signal.addEventListener('abort', stopWaiting);
      closing.signal.addEventListener('abort', stopWaiting);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        waiting.abort();
      }, CALL_BACK_WAIT_MS);
      try {
        const ready = await sealSignal(readyBytes(), secret, 'offer');
        await client.uploadOffer(slot, ready, waiting.signal);
        return await openSealed((await client.waitForReply(slot, waiting.signal)).sealed);
      } catch (error) {
        if (!timedOut) throw error;
        throw new ConnectError(
          'ERR_TIMEOUT',
          `the other device did not answer within ${CALL_BACK_WAIT_MS / 1000} s; it may have left the page`,
          { cause: error },
        );
      } finally {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', stopWaiting);
        closing.signal.removeEventListener('abort', stopWaiting);
      }
    };

    if (mailbox && posted) {
      const offerRecord = posted;
      gathered
        .then(async (offer) => {
          const sealed = await sealSignal(offer, secret, 'offer');
          await mailbox.uploadOffer(offerRecord, sealed, stop.signal);
        })
        .catch((error: unknown) => {
          // Closed meanwhile, or B already answered (so the upload did arrive): not a failure.
          if (stop.signal.aborted) return;
          stop.abort();
          failStarted(uploadError(error));
        });
      mailbox.waitForReply(offerRecord, stop.signal).then(
        (reply) => applyAnswer(openSealed(reply.sealed)).catch(failStarted),
        (error: unknown) => {
          // Stopping the wait because a typed code or close() came first is not a failure.
          if (!stop.signal.aborted) failStarted(error);
        },
      );
    }

    const expiresAt = posted
      ? new Date(posted.expiresHere ?? Date.parse(posted.expiresAt))
      : undefined;
    if (expiresAt)
      expireAt(expiresAt, stop.signal, () => {
        // An answer on its way (a typed code) is let through: the mailbox has already given it.
        if (answered) return;
        stop.abort();
        failStarted(
          new ConnectError('ERR_EXPIRED', 'the link expired before the other device answered'),
        );
      });

    const connected = openConnection(pc, whenOpen(channel), started, options.connectTimeout);
    // Callers that never await `connected` (they closed the link) must not see an unhandled rejection.
    let isConnected = false;
    connected.then(
      () => {
        isConnected = true;
      },
      () => {},
    );
    return {
      link,
      kind: posted ? 'mailbox' : 'self-contained',
      expiresAt,
      connected,
      acceptReply: async (reply) => {
        if (reply instanceof Uint8Array) return applyAnswer(openSealed(reply));
        if (looksLikeReplyCode(reply)) {
          const code = normalizeReplyCode(reply);
          if (!mailbox)
            return Promise.reject(
              new ConnectError('ERR_NO_MAILBOX', 'a reply code needs a mailbox'),
            );
          return applyAnswer(
            mailbox
              .readReply(code)
              .then(openSealed)
              .then((opened) => callBack(mailbox, opened)),
          );
        }
        return applyAnswer(
          Promise.resolve().then(() => {
            try {
              return fromLinkText(reply);
            } catch (cause) {
              throw new ConnectError('ERR_BAD_ANSWER', 'the answer text is cut or changed', {
                cause,
              });
            }
          }),
        );
      },
      close: () => {
        stop.abort();
        closing.abort();
        failStarted(new ConnectError('ERR_CLOSED', 'the link was closed'));
        closeConnection(pc);
        // Nobody will answer a closed link: say so to whoever opens it, unless it did its work.
        if (mailbox && posted && !isConnected) mailbox.withdrawOffer(posted).catch(() => {});
      },
    };
  } catch (error) {
    stop.abort();
    closeConnection(pc);
    throw error;
  }
}

/** The longest delay setTimeout keeps (about 24.8 days); a link lasting longer is not timed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `expire` at `at`, unless `signal` aborts first (an answer came, or the link closed). */
function expireAt(at: Date, signal: AbortSignal, expire: () => void): void {
  const delay = at.getTime() - Date.now();
  if (Number.isNaN(delay) || delay > MAX_TIMER_MS) return;
  const timer = setTimeout(expire, Math.max(0, delay));
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
}

/** How long A waits for B to answer its call-back: B answers within one gathering (3 s at most). */
const CALL_BACK_WAIT_MS = 20_000;

/** B can never fetch an offer A failed to upload: say so, keeping the mailbox's code. */
function uploadError(error: unknown): unknown {
  if (!isConnectError(error)) return error;
  return new ConnectError(
    error.code,
    `the offer could not be uploaded to the mailbox, so the link cannot be answered (${error.message})`,
    { cause: error },
  );
}

function decodeAnswer(signal: Uint8Array): RTCSessionDescriptionInit {
  let answer: RTCSessionDescriptionInit;
  try {
    answer = decodeSignal(signal);
  } catch (cause) {
    throw new ConnectError('ERR_BAD_ANSWER', 'the answer is cut or changed', { cause });
  }
  if (answer.type !== 'answer')
    throw new ConnectError('ERR_WRONG_SIGNAL', 'the reply is not an answer');
  return answer;
}

function linkTo(appUrl: string, token: string): string {
  let url: URL;
  try {
    url = new URL(appUrl);
  } catch (cause) {
    throw new ConnectError('ERR_INVALID_OPTIONS', `appUrl "${appUrl}" is not a URL`, { cause });
  }
  url.hash = token;
  return url.href;
}
