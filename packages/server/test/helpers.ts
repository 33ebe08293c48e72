import type {
  ErrorResponse,
  MailboxErrorCode,
  PostOfferResponse,
  PostReplyResponse,
} from '@webrtc-connect/protocol';
import {
  createServer,
  type MailboxStore,
  MemoryMailboxStore,
  type ServerOptions,
  type StoredOffer,
  type StoredReply,
} from '@webrtc-connect/server';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach } from 'vitest';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A server closed after the test; quiet unless the test passes its own logging. */
export async function testServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = await createServer({ logLevel: 'silent', ...options });
  apps.push(app);
  return app;
}

/** A clock tests move by hand, so expiry needs no waiting. */
export function fakeClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

export const blob = (text = 'an opaque sealed blob') => Buffer.from(text).toString('base64url');

export async function postOffer(
  app: FastifyInstance,
  sealed = blob(),
  remoteAddress = '127.0.0.1',
): Promise<PostOfferResponse> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/offers',
    payload: { sealed },
    remoteAddress,
  });
  if (response.statusCode !== 201) throw new Error(`POST /api/offers: ${response.body}`);
  return response.json();
}

/** `POST /api/offers` with `{}`: an offer id and owner token, the blob to follow by PUT. */
export async function reserveOffer(app: FastifyInstance): Promise<PostOfferResponse> {
  const response = await app.inject({ method: 'POST', url: '/api/offers', payload: {} });
  if (response.statusCode !== 201) throw new Error(`POST /api/offers {}: ${response.body}`);
  return response.json();
}

export function uploadOffer(
  app: FastifyInstance,
  offer: PostOfferResponse,
  sealed = blob(),
  ownerToken = offer.ownerToken,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'PUT',
    url: `/api/offers/${offer.id}`,
    headers: { authorization: `Bearer ${ownerToken}` },
    payload: { sealed },
  });
}

export function getOffer(
  app: FastifyInstance,
  offer: PostOfferResponse,
  wait?: number | string,
): Promise<LightMyRequestResponse> {
  const query = wait === undefined ? '' : `?wait=${wait}`;
  return app.inject({ method: 'GET', url: `/api/offers/${offer.id}${query}` });
}

export async function postReply(
  app: FastifyInstance,
  body: { sealed?: string; offerId?: string } = {},
  remoteAddress = '127.0.0.1',
): Promise<PostReplyResponse> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/replies',
    payload: { sealed: blob('a reply'), ...body },
    remoteAddress,
  });
  if (response.statusCode !== 201) throw new Error(`POST /api/replies: ${response.body}`);
  return response.json();
}

export function waitForReply(
  app: FastifyInstance,
  offer: PostOfferResponse,
  wait: number | string = 0,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: `/api/offers/${offer.id}/reply?wait=${wait}`,
    headers: { authorization: `Bearer ${offer.ownerToken}` },
  });
}

/** The status and error code of a response, for one-line assertions. */
export function failure(response: LightMyRequestResponse): [number, MailboxErrorCode | undefined] {
  let code: MailboxErrorCode | undefined;
  try {
    code = (response.json() as ErrorResponse).error.code;
  } catch {
    code = undefined;
  }
  return [response.statusCode, code];
}

/** A store that keeps a copy of everything the server asks it to keep. */
export class RecordingStore implements MailboxStore {
  readonly kind = 'recording';
  readonly offers: StoredOffer[] = [];
  readonly replies: StoredReply[] = [];
  readonly #inner: MailboxStore;

  constructor(inner: MailboxStore = new MemoryMailboxStore()) {
    this.#inner = inner;
  }

  putOffer(offer: StoredOffer) {
    this.offers.push({ ...offer, sealed: offer.sealed?.slice() ?? null });
    return this.#inner.putOffer(offer);
  }
  getOffer(id: string) {
    return this.#inner.getOffer(id);
  }
  setOfferSealed(id: string, sealed: Uint8Array) {
    const recorded = this.offers.find((offer) => offer.id === id);
    if (recorded) recorded.sealed = sealed.slice();
    return this.#inner.setOfferSealed(id, sealed);
  }
  withdrawOffer(id: string) {
    return this.#inner.withdrawOffer(id);
  }
  onOffer(id: string, listener: () => void) {
    return this.#inner.onOffer(id, listener);
  }
  putReply(reply: StoredReply) {
    this.replies.push({ ...reply, sealed: reply.sealed.slice() });
    return this.#inner.putReply(reply);
  }
  takeReply(code: string) {
    return this.#inner.takeReply(code);
  }
  takeReplyForOffer(offerId: string) {
    return this.#inner.takeReplyForOffer(offerId);
  }
  onReply(offerId: string, listener: () => void) {
    return this.#inner.onReply(offerId, listener);
  }
  counts() {
    return this.#inner.counts();
  }
  close() {
    return this.#inner.close();
  }
}
