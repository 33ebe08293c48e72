/**
 * The mailbox API (README, "`@webrtc-connect/server`: the mailbox"; docs/resume-box.md) in memory, as a `fetch` to stub in: sealed blobs in
 * and out, long-polls held on timers, one reply an offer, a reply read once, expiry by the
 * clock; resume boxes (numbered signals, kept until a wait acknowledges them). Fake timers run its waits and
 * expiries; `failNext` scripts a failure.
 */
import {
  MAILBOX_ERROR_STATUS,
  type MailboxErrorCode,
  REPLY_CODE_ALPHABET,
} from '@webrtc-connect/protocol';
import { vi } from 'vitest';

interface StoredOffer {
  ownerToken: string;
  sealed: string | undefined;
  expiresAt: number;
  withdrawn: boolean;
  reply: string | undefined;
}

interface StoredReply {
  sealed: string;
  offerId: string | undefined;
  expiresAt: number;
  read: boolean;
}

export interface FakeMailboxOptions {
  /** How long offers and replies live (default 10 min). */
  ttlMs?: number;
}

export function createFakeMailbox(options: FakeMailboxOptions = {}) {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const base = 'http://mailbox.test';
  const offers = new Map<string, StoredOffer>();
  const replies = new Map<string, StoredReply>();
  /**
   * Resume boxes: each side's sealed signals not yet acknowledged, numbered from 1 as posted,
   * and the newest wait of each side.
   */
  type BoxSide = { last: number; signals: { seq: number; sealed: string }[] };
  const boxes = new Map<string, { a: BoxSide; b: BoxSide; waits: { a: number; b: number } }>();
  const waiters = new Set<() => void>();
  /** Requests seen, as "METHOD path". */
  const requests: string[] = [];
  const failures: { match: RegExp; answer: 'network' | 'lost' | MailboxErrorCode }[] = [];
  let next = 0;

  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const error = (code: MailboxErrorCode) =>
    json(MAILBOX_ERROR_STATUS[code], { error: { code, message: code.toLowerCase() } });
  const noContent = () => new Response(null, { status: 204 });
  const expiresAt = () => new Date(Date.now() + ttlMs).toISOString();

  /** Waits for `ready` to give an answer, up to `seconds`; 204 when the wait ends first. */
  const waitFor = (
    seconds: number,
    signal: AbortSignal | null | undefined,
    ready: () => Response | undefined,
  ): Promise<Response> => {
    const now = ready();
    if (now || seconds === 0) return Promise.resolve(now ?? noContent());
    return new Promise((resolve, reject) => {
      const done = (response: Response) => {
        clearTimeout(timer);
        waiters.delete(check);
        signal?.removeEventListener('abort', abort);
        resolve(response);
      };
      const check = () => {
        const answer = ready();
        if (answer) done(answer);
      };
      const abort = () => {
        clearTimeout(timer);
        waiters.delete(check);
        reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
      };
      const timer = setTimeout(() => done(noContent()), seconds * 1000);
      waiters.add(check);
      signal?.addEventListener('abort', abort, { once: true });
    });
  };

  const liveOffer = (id: string): StoredOffer | MailboxErrorCode => {
    const offer = offers.get(id);
    if (!offer) return 'ERR_NOT_FOUND';
    if (offer.withdrawn) return 'ERR_OFFER_WITHDRAWN';
    if (Date.now() > offer.expiresAt) return 'ERR_EXPIRED';
    return offer;
  };

  async function handle(method: string, url: URL, init: RequestInit): Promise<Response> {
    const path = url.pathname;
    const wait = Number(url.searchParams.get('wait') ?? 0);
    const body = init.body ? (JSON.parse(String(init.body)) as Record<string, string>) : {};
    const auth = new Headers(init.headers).get('authorization')?.replace(/^Bearer /, '');
    const owned = (offer: StoredOffer) => auth === offer.ownerToken;
    const offerPath = /^\/api\/offers\/([^/]+)$/.exec(path);
    const offerReplyPath = /^\/api\/offers\/([^/]+)\/reply$/.exec(path);
    const replyPath = /^\/api\/replies\/([^/]+)$/.exec(path);
    const boxPath = /^\/api\/resume-boxes\/([^/]+)\/(a|b)$/.exec(path);

    if (method === 'POST' && path === '/api/resume-boxes') {
      if (boxes.has(body.id ?? '')) return error('ERR_RESUME_BOX_TAKEN');
      boxes.set(body.id ?? '', {
        a: { last: 0, signals: [] },
        b: { last: 0, signals: [] },
        waits: { a: 0, b: 0 },
      });
      return json(201, { expiresAt: expiresAt() });
    }
    if (boxPath) {
      const box = boxes.get(decodeURIComponent(boxPath[1] ?? ''));
      const side = boxPath[2] === 'a' ? 'a' : 'b';
      if (!box) return error('ERR_NOT_FOUND');
      const held = box[side];
      if (method === 'POST') {
        held.last += 1;
        held.signals.push({ seq: held.last, sealed: body.sealed ?? '' });
        wake();
        return noContent();
      }
      // A newer wait of the same side ends this one (as the server does).
      const mine = ++box.waits[side];
      wake();
      // `after` acknowledges (drops) the signals up to it; without it a wait takes them all.
      const after = url.searchParams.get('after');
      return waitFor(wait, init.signal, () => {
        if (box.waits[side] !== mine) return noContent();
        if (after !== null) held.signals = held.signals.filter((s) => s.seq > Number(after));
        if (held.signals.length === 0) return undefined;
        const answered = after === null ? held.signals.splice(0) : held.signals;
        return json(200, {
          sealed: answered.map((signal) => signal.sealed),
          seqs: answered.map((signal) => signal.seq),
          expiresAt: expiresAt(),
        });
      });
    }

    if (method === 'POST' && path === '/api/offers') {
      next += 1;
      const id = `offer${String(next).padStart(11, '0')}`;
      const offer: StoredOffer = {
        ownerToken: `owner-${next}`,
        sealed: body.sealed,
        expiresAt: Date.now() + ttlMs,
        withdrawn: false,
        reply: undefined,
      };
      offers.set(id, offer);
      return json(201, { id, ownerToken: offer.ownerToken, expiresAt: expiresAt() });
    }
    if (offerPath) {
      const id = decodeURIComponent(offerPath[1] ?? '');
      const found = liveOffer(id);
      if (typeof found === 'string') return error(found);
      if (method === 'PUT') {
        if (!owned(found)) return error('ERR_NOT_OWNER');
        if (found.sealed !== undefined) return error('ERR_OFFER_ALREADY_SET');
        found.sealed = body.sealed;
        wake();
        return noContent();
      }
      if (method === 'DELETE') {
        if (!owned(found)) return error('ERR_NOT_OWNER');
        found.withdrawn = true;
        wake();
        return noContent();
      }
      return waitFor(wait, init.signal, () => {
        const now = liveOffer(id);
        if (typeof now === 'string') return error(now);
        if (now.sealed === undefined) return undefined;
        return json(200, { sealed: now.sealed, expiresAt: new Date(now.expiresAt).toISOString() });
      });
    }
    if (offerReplyPath) {
      const id = decodeURIComponent(offerReplyPath[1] ?? '');
      const found = liveOffer(id);
      if (typeof found === 'string') return error(found);
      if (!owned(found)) return error('ERR_NOT_OWNER');
      return waitFor(wait, init.signal, () => {
        const now = liveOffer(id);
        if (typeof now === 'string') return error(now);
        const reply = now.reply === undefined ? undefined : replies.get(now.reply);
        if (!reply || !now.reply) return undefined;
        if (reply.read) return error('ERR_REPLY_ALREADY_READ');
        reply.read = true;
        return json(200, { sealed: reply.sealed, code: now.reply });
      });
    }
    if (method === 'POST' && path === '/api/replies') {
      let offer: StoredOffer | undefined;
      if (body.offerId !== undefined) {
        const found = liveOffer(body.offerId);
        if (typeof found === 'string') return error(found);
        if (found.reply !== undefined) return error('ERR_OFFER_ALREADY_ANSWERED');
        if (found.sealed === undefined) return error('ERR_OFFER_NOT_SET');
        offer = found;
      }
      next += 1;
      const code = replyCode(next);
      replies.set(code, {
        sealed: body.sealed ?? '',
        offerId: body.offerId,
        expiresAt: Date.now() + ttlMs,
        read: false,
      });
      if (offer) offer.reply = code;
      wake();
      return json(201, { code, expiresAt: expiresAt() });
    }
    if (method === 'GET' && replyPath) {
      const reply = replies.get(decodeURIComponent(replyPath[1] ?? '').toUpperCase());
      if (!reply) return error('ERR_NOT_FOUND');
      if (Date.now() > reply.expiresAt) return error('ERR_EXPIRED');
      if (reply.read) return error('ERR_REPLY_ALREADY_READ');
      reply.read = true;
      return json(200, {
        sealed: reply.sealed,
        ...(reply.offerId === undefined ? {} : { offerId: reply.offerId }),
      });
    }
    return error('ERR_NO_ROUTE');
  }

  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    requests.push(`${method} ${url.pathname}`);
    if (init.signal?.aborted) throw init.signal.reason;
    const failure = failures.findIndex((entry) => entry.match.test(`${method} ${url.pathname}`));
    const [entry] = failure >= 0 ? failures.splice(failure, 1) : [];
    if (entry?.answer === 'network') throw new TypeError('fetch failed');
    if (entry && entry.answer !== 'lost') return error(entry.answer);
    // A request takes a moment, so answers never arrive in the caller's own turn.
    await Promise.resolve();
    const response = await handle(method, url, init);
    if (entry?.answer === 'lost') throw new TypeError('fetch failed');
    return response;
  };

  return {
    /** The mailbox's URL, to pass as `mailbox`. */
    url: base,
    /** Stub it in with `vi.stubGlobal('fetch', mailbox.fetch)`. */
    fetch: fetch as typeof globalThis.fetch,
    requests,
    offers,
    replies,
    /**
     * The next request matching `match` ("METHOD /path") fails, by network or with `code`; or is
     * handled and its answer `lost` on the way back (a network error once it has an answer).
     */
    failNext(match: RegExp, answer: 'network' | 'lost' | MailboxErrorCode): void {
      failures.push({ match, answer });
    },
  };
}

export type FakeMailbox = ReturnType<typeof createFakeMailbox>;

/**
 * Stubs `fetch` with a resume box that takes every post (204) and never has anything to give
 * (a wait hangs until aborted). Returns the URLs posted to, in order.
 */
export function quietResumeBox(): string[] {
  const posts: string[] = [];
  vi.stubGlobal('fetch', (url: string, init: RequestInit = {}) => {
    if (init.method !== 'GET') {
      posts.push(String(url));
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    return new Promise((_, reject) => {
      init.signal?.addEventListener('abort', () =>
        reject(new DOMException('aborted', 'AbortError')),
      );
    });
  });
  return posts;
}

/** A distinct 6-character Crockford base32 code for each number. */
function replyCode(n: number): string {
  let code = '';
  let rest = n + 32 ** 5;
  for (let i = 0; i < 6; i += 1) {
    code = (REPLY_CODE_ALPHABET[rest % 32] ?? '0') + code;
    rest = Math.floor(rest / 32);
  }
  return code;
}
