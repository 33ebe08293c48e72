import type {
  CreateResumeBoxRequest,
  CreateResumeBoxResponse,
  GetOfferResponse,
  GetReplyResponse,
  MailboxErrorCode,
  OwnReplyResponse,
  PostOfferRequest,
  PostOfferResponse,
  PostReplyRequest,
  PostReplyResponse,
  PostResumeSignalRequest,
  PutOfferRequest,
  TakeResumeSignalsResponse,
} from '@webrtc-connect/protocol';
import { DEFAULT_WAIT_SECONDS, MAILBOX_PATHS } from '@webrtc-connect/protocol';

import { fromLinkText, toLinkText } from '@webrtc-connect/signal';
import { pause } from '../core/pause.ts';
import { ConnectError, type ConnectErrorCode } from '../errors.ts';

/** How long past its wait a long-poll's response may be late before it counts as lost. */
const LATE_RESPONSE_SECONDS = 3;

/** A sealed resume signal from the box, and its number in the box's side. */
export interface BoxSignal {
  sealed: Uint8Array;
  /** Undefined from a server from before the numbers (which takes every signal it answers). */
  seq: number | undefined;
}

/** The mailbox's error codes that mean something to a person; anything else is ERR_MAILBOX. */
const SERVER_CODES: Partial<Record<MailboxErrorCode, ConnectErrorCode>> = {
  ERR_NOT_FOUND: 'ERR_NOT_FOUND',
  ERR_EXPIRED: 'ERR_EXPIRED',
  ERR_OFFER_WITHDRAWN: 'ERR_WITHDRAWN',
  ERR_REPLY_ALREADY_READ: 'ERR_ALREADY_USED',
  ERR_OFFER_ALREADY_ANSWERED: 'ERR_ALREADY_USED',
  ERR_RESUME_BOX_TAKEN: 'ERR_ALREADY_USED',
  ERR_RATE_LIMITED: 'ERR_RATE_LIMITED',
};

/**
 * `expiresHere`: the offer's expiry on this device's clock (ms since the epoch), the server's
 * `expiresAt` moved by how far the two clocks disagree, when its Date header says so.
 */
export type PostedOffer = PostOfferResponse & { expiresHere?: number };

/** Clocks closer than this are taken as agreeing: the Date header counts whole seconds. */
const CLOCK_SKEW_TOLERANCE_MS = 2000;

/**
 * How long B waits for a reserved offer's blob at most: an offer's default life. A uploads it
 * within its gathering cap (3 s by default); the mailbox ends the wait sooner when the offer
 * expires or is forgotten, so this bounds only a mailbox that never says so.
 */
const OFFER_WAIT_MS = 10 * 60_000;

export interface ReceivedReply {
  sealed: Uint8Array;
  code: string;
}

/** The mailbox API (DESIGN §4) over fetch: sealed bytes in, sealed bytes out. */
export class MailboxClient {
  readonly #base: string;
  /** The server's clock at the last response, where its Date header could be read. */
  #serverDate: number | undefined;

  constructor(base: string) {
    let url: URL;
    try {
      url = new URL(base);
    } catch (cause) {
      throw new ConnectError('ERR_INVALID_OPTIONS', `the mailbox address "${base}" is not a URL`, {
        cause,
      });
    }
    this.#base = url.href.replace(/\/$/, '');
  }

  /** Reserves an offer id (`POST {}`), so the link exists before the offer is gathered. */
  async reserveOffer(): Promise<PostedOffer> {
    const body: PostOfferRequest = {};
    const posted = (await this.#request('POST', MAILBOX_PATHS.offers, body)) as PostedOffer;
    const expiresAt = Date.parse(posted.expiresAt);
    if (Number.isNaN(expiresAt)) return posted;
    const skew = this.#serverDate === undefined ? 0 : Date.now() - this.#serverDate;
    const expiresHere = Math.abs(skew) > CLOCK_SKEW_TOLERANCE_MS ? expiresAt + skew : expiresAt;
    return { ...posted, expiresHere };
  }

  /** Uploads a reserved offer's sealed blob, once. */
  async uploadOffer(offer: PostedOffer, sealed: Uint8Array, signal: AbortSignal): Promise<void> {
    const body: PutOfferRequest = { sealed: toLinkText(sealed) };
    await this.#request('PUT', MAILBOX_PATHS.offer(encodeURIComponent(offer.id)), body, {
      authorization: `Bearer ${offer.ownerToken}`,
      signal,
    });
  }

  /**
   * Withdraws the offer (A closed its link before anyone connected): B, waiting for it or
   * opening the link later, is told ERR_WITHDRAWN at once instead of waiting for it to expire.
   * `keepalive` lets the request outlive a page being closed.
   */
  async withdrawOffer(offer: PostedOffer): Promise<void> {
    await this.#request('DELETE', MAILBOX_PATHS.offer(encodeURIComponent(offer.id)), undefined, {
      authorization: `Bearer ${offer.ownerToken}`,
      keepalive: true,
    });
  }

  /**
   * The offer's sealed blob. A reserved offer's is held back by the mailbox until A uploads it
   * (204 when a wait ends first), so this asks again until it comes or the offer expires.
   */
  async getOffer(id: string, signal?: AbortSignal): Promise<Uint8Array> {
    const path = `${MAILBOX_PATHS.offer(encodeURIComponent(id))}?wait=${DEFAULT_WAIT_SECONDS}`;
    const deadline = Date.now() + OFFER_WAIT_MS;
    do {
      const body = (await this.#request(
        'GET',
        path,
        undefined,
        signal ? { signal } : {},
      )) as GetOfferResponse | null;
      if (body) return fromLinkText(body.sealed);
    } while (Date.now() < deadline);
    throw new ConnectError('ERR_EXPIRED', 'the offer was never uploaded to the mailbox');
  }

  /**
   * Whether the offer is still there, asked once: `gone` with the mailbox's error (withdrawn,
   * expired) when it is not. A failure to ask is thrown.
   */
  async offerStillThere(
    id: string,
  ): Promise<{ there: true } | { there: false; error: ConnectError }> {
    try {
      await this.#request('GET', `${MAILBOX_PATHS.offer(encodeURIComponent(id))}?wait=0`);
      return { there: true };
    } catch (error) {
      if (
        error instanceof ConnectError &&
        (error.code === 'ERR_WITHDRAWN' || error.code === 'ERR_EXPIRED')
      ) {
        return { there: false, error };
      }
      throw error;
    }
  }

  async postReply(sealed: Uint8Array, offerId?: string): Promise<PostReplyResponse> {
    const body: PostReplyRequest = {
      sealed: toLinkText(sealed),
      ...(offerId === undefined ? {} : { offerId }),
    };
    return (await this.#request('POST', MAILBOX_PATHS.replies, body)) as PostReplyResponse;
  }

  async readReply(code: string): Promise<Uint8Array> {
    const path = MAILBOX_PATHS.reply(encodeURIComponent(code));
    return fromLinkText(((await this.#request('GET', path)) as GetReplyResponse).sealed);
  }

  /**
   * Waits for the reply to an offer (long-poll, repeated), until it comes, `signal` aborts, or
   * the mailbox says it never will. A few failed requests in a row are retried with back-off.
   */
  async waitForReply(offer: PostedOffer, signal: AbortSignal): Promise<ReceivedReply> {
    let failures = 0;
    for (;;) {
      try {
        const body = (await this.#request(
          'GET',
          `${MAILBOX_PATHS.offerReply(encodeURIComponent(offer.id))}?wait=${DEFAULT_WAIT_SECONDS}`,
          undefined,
          {
            authorization: `Bearer ${offer.ownerToken}`,
            signal,
          },
        )) as OwnReplyResponse | null;
        failures = 0;
        if (body) return { sealed: fromLinkText(body.sealed), code: body.code };
      } catch (error) {
        if (signal.aborted) {
          throw new ConnectError('ERR_CLOSED', 'stopped waiting for the reply', { cause: error });
        }
        if (!(error instanceof ConnectError) || error.code !== 'ERR_MAILBOX' || ++failures > 5) {
          throw error;
        }
        await pause(250 * 2 ** failures, signal);
      }
    }
  }

  /** Makes the resume box of a link (DESIGN §4.5); it lives as long as an offer. */
  async createResumeBox(id: string): Promise<CreateResumeBoxResponse> {
    const body: CreateResumeBoxRequest = { id };
    return (await this.#request(
      'POST',
      MAILBOX_PATHS.resumeBoxes,
      body,
    )) as CreateResumeBoxResponse;
  }

  /** Leaves one sealed resume signal for side `to` of the box. */
  async postResumeSignal(
    id: string,
    to: 'a' | 'b',
    sealed: Uint8Array,
    signal?: AbortSignal,
  ): Promise<void> {
    const body: PostResumeSignalRequest = { sealed: toLinkText(sealed) };
    await this.#request(
      'POST',
      MAILBOX_PATHS.resumeSide(encodeURIComponent(id), to),
      body,
      signal ? { signal } : {},
    );
  }

  /**
   * The sealed resume signals waiting for side `side` numbered above `after` (oldest first),
   * waiting for one (long-poll of `waitSeconds`, asked again while `keepWaiting()`) until
   * `signal` aborts or the box is gone (ERR_EXPIRED, ERR_NOT_FOUND). The box drops the signals
   * up to `after` (acknowledged: the caller processed them) and keeps the rest until a later
   * call acknowledges them, so a response lost on the way is answered again.
   */
  async takeResumeSignals(
    id: string,
    side: 'a' | 'b',
    after: number,
    signal: AbortSignal,
    waitSeconds = DEFAULT_WAIT_SECONDS,
    keepWaiting: () => boolean = () => true,
  ): Promise<BoxSignal[]> {
    const path = `${MAILBOX_PATHS.resumeSide(encodeURIComponent(id), side)}?wait=${waitSeconds}&after=${after}`;
    let failures = 0;
    for (;;) {
      if (signal.aborted) throw new ConnectError('ERR_CLOSED', 'stopped waiting');
      if (!keepWaiting()) return [];
      const request = new AbortController();
      const abort = () => request.abort();
      signal.addEventListener('abort', abort);
      // A response this late will not come (its connection lost its network): ask again.
      const late = setTimeout(abort, (waitSeconds + LATE_RESPONSE_SECONDS) * 1000);
      try {
        const body = (await this.#request('GET', path, undefined, {
          signal: request.signal,
        })) as TakeResumeSignalsResponse | null;
        failures = 0;
        if (body)
          return body.sealed.map((sealed, index) => ({
            sealed: fromLinkText(sealed),
            // A server from before the numbers took them all, and numbered none.
            seq: body.seqs?.[index],
          }));
      } catch (error) {
        if (signal.aborted)
          throw new ConnectError('ERR_CLOSED', 'stopped waiting', { cause: error });
        if (request.signal.aborted) continue;
        // The network itself may be changing: a few failed requests in a row are retried.
        if (!(error instanceof ConnectError) || error.code !== 'ERR_MAILBOX' || ++failures > 8)
          throw error;
        clearTimeout(late);
        await pause(250 * 2 ** Math.min(failures, 4), signal);
      } finally {
        clearTimeout(late);
        signal.removeEventListener('abort', abort);
      }
    }
  }

  async #request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    extra: { authorization?: string; signal?: AbortSignal; keepalive?: boolean } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (extra.authorization) headers.authorization = extra.authorization;
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(extra.signal ? { signal: extra.signal } : {}),
        ...(extra.keepalive ? { keepalive: true } : {}),
      });
    } catch (cause) {
      throw new ConnectError('ERR_MAILBOX', `the mailbox at ${this.#base} cannot be reached`, {
        cause,
      });
    }
    // Readable for the same origin (the web app) and where the server exposes it; else ignored.
    // It counts whole seconds, cut: the server's clock read somewhere in the second after it.
    const date = Date.parse(response.headers.get('date') ?? '');
    this.#serverDate = Number.isNaN(date) ? undefined : date + 500;
    if (response.status === 204) return null;
    const json = (await response.json().catch(() => null)) as {
      error?: { code?: string; message?: string };
    } | null;
    if (response.ok && json) return json;
    const serverCode = (json?.error?.code ?? '') as MailboxErrorCode;
    const message = json?.error?.message ?? `HTTP ${response.status}`;
    throw new ConnectError(SERVER_CODES[serverCode] ?? 'ERR_MAILBOX', `mailbox: ${message}`);
  }
}
