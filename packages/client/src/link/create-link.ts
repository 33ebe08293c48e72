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
import { type LinkProgress, type ProgressReporter, progressReporter } from './link-progress.ts';
import { linkChannel, writeLinkToken } from './link-token.ts';
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
  /** Told each step: gathering, waiting, connecting, connected or failed (`LinkProgress`). */
  onProgress?: (progress: LinkProgress) => void;
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
 * the offer, so it resolves once gathered. The steps, in order: `startOffer`, `publishLink`,
 * then (mailbox) `uploadWhenGathered` and `waitForPushedReply`, while `acceptReply` takes
 * typed codes, pasted answers and sealed bytes; `answerSlot` applies the first answer.
 */
export async function createLink(options: CreateLinkOptions): Promise<Invitation> {
  checkPeerOptions(options);
  const mailbox = options.mailbox === undefined ? null : new MailboxClient(options.mailbox);
  const appUrl = options.appUrl ?? options.mailbox;
  if (appUrl === undefined)
    throw new ConnectError('ERR_INVALID_OPTIONS', 'give appUrl (or a mailbox) for the link');

  const progress = progressReporter(options.onProgress);
  progress.advance('gathering');
  const { pc, channel, gathered } = startOffer(options);
  const stop = new AbortController();
  // Aborted by close() alone (`stop` also ends when an answer is applied).
  const closing = new AbortController();
  try {
    const secret = createLinkSecret();
    const selfContained = !mailbox || options.selfContained === true;
    const { link, posted } = await publishLink(
      appUrl,
      secret,
      gathered,
      selfContained ? null : mailbox,
    );
    const slot = answerSlot(pc, stop, progress);
    const openSealed = (sealed: Uint8Array) => openAnswer(sealed, secret);
    if (mailbox && posted) {
      uploadWhenGathered(mailbox, posted, gathered, secret, stop, slot.fail);
      waitForPushedReply(
        mailbox,
        posted,
        stop,
        (sealed) => slot.apply(openSealed(sealed)),
        slot.fail,
      );
    }

    const expiresAt = posted
      ? new Date(posted.expiresHere ?? Date.parse(posted.expiresAt))
      : undefined;
    if (expiresAt)
      expireAt(expiresAt, stop.signal, () => {
        // An answer on its way (a typed code) is let through: the mailbox has already given it.
        if (slot.answering()) return;
        stop.abort();
        slot.fail(
          new ConnectError('ERR_EXPIRED', 'the link expired before the other device answered'),
        );
      });

    const connected = openConnection(pc, whenOpen(channel), slot.started, options.connectTimeout);
    let isConnected = false;
    connected.then(
      () => {
        isConnected = true;
        progress.advance('connected');
      },
      // Callers that never await `connected` (they closed the link) see no unhandled rejection.
      () => {
        if (!closing.signal.aborted) progress.advance('failed');
      },
    );
    progress.advance('waiting');
    return {
      link,
      kind: posted ? 'mailbox' : 'self-contained',
      expiresAt,
      connected,
      acceptReply: async (reply) => {
        if (reply instanceof Uint8Array) return slot.apply(openSealed(reply));
        if (!looksLikeReplyCode(reply)) return slot.apply(readAnswerText(reply));
        const code = normalizeReplyCode(reply);
        if (!mailbox) throw new ConnectError('ERR_NO_MAILBOX', 'a reply code needs a mailbox');
        const signals = { stop: stop.signal, closing: closing.signal };
        return slot.apply(
          mailbox
            .readReply(code)
            .then(openSealed)
            .then((opened) => callBack(mailbox, opened, secret, signals)),
        );
      },
      close: () => {
        stop.abort();
        closing.abort();
        slot.fail(new ConnectError('ERR_CLOSED', 'the link was closed'));
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

/**
 * Step 1: the connection, its data channel and the offer, gathered in the background: 150 ms
 * to 3 s; for a mailbox link it runs alongside the reservation, off the critical path.
 */
function startOffer(options: CreateLinkOptions) {
  const pc = createPeerConnection(options);
  // Negotiated: B makes the same channel (see LINK_CHANNEL_ID for why not announced in band).
  const channel = linkChannel(pc, options.channelLabel);
  const gathered = pc
    .createOffer()
    .then((description) => gatheredDescription(pc, description, options.gatherTimeout))
    .then(encodeSignal);
  return { pc, channel, gathered };
}

/**
 * Step 2: the link. Through a mailbox, an offer id reserved at once (the offer follows); else
 * the gathered offer itself in the link.
 */
async function publishLink(
  appUrl: string,
  secret: Uint8Array,
  gathered: Promise<Uint8Array>,
  mailbox: MailboxClient | null,
): Promise<{ link: string; posted: PostedOffer | null }> {
  if (!mailbox) {
    const token = writeLinkToken({ kind: 'self-contained', secret, offer: await gathered });
    return { link: linkTo(appUrl, token), posted: null };
  }
  // Its failure is reported through `connected` (uploadWhenGathered), or not at all if
  // reserving fails.
  gathered.catch(() => {});
  const posted = await mailbox.reserveOffer();
  const token = writeLinkToken({ kind: 'mailbox', secret, offerId: posted.id });
  return { link: linkTo(appUrl, token), posted };
}

/** Where answers are applied, whichever way they came: the first one wins. */
function answerSlot(pc: RTCPeerConnection, stop: AbortController, progress: ProgressReporter) {
  let answered: Promise<void> | null = null;
  let markStarted: (value: unknown) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  /** Resolves once an answer is applied: the connect timer starts then. */
  const started = new Promise((resolve, reject) => {
    markStarted = resolve;
    fail = reject;
  });
  const apply = (bytes: Promise<Uint8Array>): Promise<void> => {
    answered ??= bytes
      .then(async (signal) => {
        await pc.setRemoteDescription(decodeAnswer(signal));
        stop.abort();
        progress.advance('connecting');
        markStarted(undefined);
      })
      .catch((error: unknown) => {
        answered = null;
        throw error;
      });
    return answered;
  };
  return {
    started,
    apply,
    /** Whether an answer is being applied (or was). */
    answering: () => answered !== null,
    fail: (error: unknown) => fail(error),
  };
}

/** Step 3 (mailbox): the sealed offer, uploaded once gathered. */
function uploadWhenGathered(
  mailbox: MailboxClient,
  posted: PostedOffer,
  gathered: Promise<Uint8Array>,
  secret: Uint8Array,
  stop: AbortController,
  fail: (error: unknown) => void,
): void {
  gathered
    .then(async (offer) => {
      const sealed = await sealSignal(offer, secret, 'offer');
      await mailbox.uploadOffer(posted, sealed, stop.signal);
    })
    .catch((error: unknown) => {
      // Closed meanwhile, or B already answered (so the upload did arrive): not a failure.
      if (stop.signal.aborted) return;
      stop.abort();
      fail(uploadError(error));
    });
}

/** Step 4 (mailbox): B's reply, pushed by the mailbox while A waits. */
function waitForPushedReply(
  mailbox: MailboxClient,
  posted: PostedOffer,
  stop: AbortController,
  apply: (sealed: Uint8Array) => Promise<void>,
  fail: (error: unknown) => void,
): void {
  mailbox.waitForReply(posted, stop.signal).then(
    (reply) => apply(reply.sealed).catch(fail),
    (error: unknown) => {
      // Stopping the wait because a typed code or close() came first is not a failure.
      if (!stop.signal.aborted) fail(error);
    },
  );
}

async function openAnswer(sealed: Uint8Array, secret: Uint8Array): Promise<Uint8Array> {
  try {
    return await openSignal(sealed, secret, 'answer');
  } catch (cause) {
    throw new ConnectError('ERR_FORGED', 'the reply did not open under the link secret: refused', {
      cause,
    });
  }
}

/** A pasted answer text (no mailbox). */
async function readAnswerText(text: string): Promise<Uint8Array> {
  try {
    return fromLinkText(text);
  } catch (cause) {
    throw new ConnectError('ERR_BAD_ANSWER', 'the answer text is cut or changed', { cause });
  }
}

/**
 * A reply that is a call-back (call-back.ts): puts a sealed "ready" in B's slot and takes
 * B's answer from it. Any other reply is the answer itself.
 */
async function callBack(
  client: MailboxClient,
  opened: Uint8Array,
  secret: Uint8Array,
  signals: { stop: AbortSignal; closing: AbortSignal },
): Promise<Uint8Array> {
  const slot = readCallBack(opened);
  if (!slot) return opened;
  const waiting = new AbortController();
  const stopWaiting = () => waiting.abort();
  signals.stop.addEventListener('abort', stopWaiting);
  signals.closing.addEventListener('abort', stopWaiting);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    waiting.abort();
  }, CALL_BACK_WAIT_MS);
  try {
    const ready = await sealSignal(readyBytes(), secret, 'offer');
    await client.uploadOffer(slot, ready, waiting.signal);
    return await openAnswer((await client.waitForReply(slot, waiting.signal)).sealed, secret);
  } catch (error) {
    if (!timedOut) throw error;
    throw new ConnectError(
      'ERR_TIMEOUT',
      `the other device did not answer within ${CALL_BACK_WAIT_MS / 1000} s; it may have left the page`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    signals.stop.removeEventListener('abort', stopWaiting);
    signals.closing.removeEventListener('abort', stopWaiting);
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
