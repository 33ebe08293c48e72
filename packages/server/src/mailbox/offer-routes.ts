import type {
  GetOfferResponse,
  OwnReplyResponse,
  PostOfferRequest,
  PostOfferResponse,
  PutOfferRequest,
} from '@webrtc-connect/protocol';
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.ts';
import type { WaitTarget } from './long-poll.ts';
import {
  expiredError,
  isoTime,
  type MailboxContext,
  mailboxFullError,
  notFoundError,
  untakenReplyError,
  waitMs,
  withdrawnError,
} from './mailbox-context.ts';
import { hashOwnerToken, newOfferId, newOwnerToken, ownerTokenMatches } from './mailbox-ids.ts';
import type { StoredOffer, TakeOwnReplyResult } from './mailbox-store.ts';
import { decodeSealed, encodeSealed } from './sealed-blob.ts';

type UploadedOffer = StoredOffer & { sealed: Uint8Array };

/**
 * A's side: store an offer (or reserve its id, to upload it once gathered), let B fetch it,
 * wait for B's reply.
 */
export async function offerRoutes(app: FastifyInstance, context: MailboxContext): Promise<void> {
  const { store, waiters, schemas, options } = context;

  app.post<{ Body: PostOfferRequest; Reply: PostOfferResponse }>(
    '/api/offers',
    { schema: schemas.postOffer },
    async (request, reply) => {
      const sealed = request.body.sealed === undefined ? null : decodeSealed(request.body.sealed);
      const ownerToken = newOwnerToken();
      const expiresAt = options.clock() + options.offerTtlMs;
      // 96 random bits collide never in practice; the loop makes "never" certain.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const id = newOfferId();
        const offer = { id, sealed, ownerTokenHash: hashOwnerToken(ownerToken), expiresAt };
        const result = await store.putOffer(offer);
        if (result === 'full') throw mailboxFullError('offers');
        if (result === 'stored') {
          reply.code(201);
          return { id, ownerToken, expiresAt: isoTime(expiresAt) };
        }
      }
      throw new ServerError('ERR_INTERNAL', 'could not draw a free offer id');
    },
  );

  app.put<{
    Params: { id: string };
    Headers: { authorization: string };
    Body: PutOfferRequest;
    Reply: { 204: undefined };
  }>('/api/offers/:id', { schema: schemas.putOffer }, async (request, reply) => {
    const offer = await ownedOffer(request.params.id, request.headers.authorization);
    const result = await store.setOfferSealed(offer.id, decodeSealed(request.body.sealed));
    switch (result) {
      case 'stored':
        return reply.code(204).send();
      case 'already-set':
        throw new ServerError('ERR_OFFER_ALREADY_SET', 'the offer already has its sealed blob');
      case 'expired':
        throw expiredError('offer');
      case 'withdrawn':
        throw withdrawnError();
      case 'missing':
        throw notFoundError('offer');
    }
  });

  app.delete<{
    Params: { id: string };
    Headers: { authorization: string };
    Reply: { 204: undefined };
  }>('/api/offers/:id', { schema: schemas.withdrawOffer }, async (request, reply) => {
    const offer = await ownedOffer(request.params.id, request.headers.authorization);
    const result = await store.withdrawOffer(offer.id);
    switch (result) {
      case 'withdrawn':
        return reply.code(204).send();
      case 'expired':
        throw expiredError('offer');
      case 'missing':
        throw notFoundError('offer');
    }
  });

  app.get<{
    Params: { id: string };
    Querystring: { wait?: string };
    Reply: { 200: GetOfferResponse; 204: undefined };
  }>(
    '/api/offers/:id',
    { schema: schemas.getOffer, exposeHeadRoute: false },
    async (request, reply) => {
      const offer = await liveOffer(request.params.id);
      // An uploaded offer (always, for the one-step POST) answers at once, taking no waiter.
      const uploaded = isUploaded(offer)
        ? offer
        : await waiters.wait(uploadOf(offer.id), waitMs(request.query.wait, options), reply.raw);
      if (uploaded === undefined) return reply.code(204).send();
      return { sealed: encodeSealed(uploaded.sealed), expiresAt: isoTime(uploaded.expiresAt) };
    },
  );

  app.get<{
    Params: { id: string };
    Querystring: { wait?: string };
    Headers: { authorization: string };
    Reply: { 200: OwnReplyResponse; 204: undefined };
  }>(
    '/api/offers/:id/reply',
    // No HEAD twin: it would take the reply and answer without it.
    { schema: schemas.waitForReply, exposeHeadRoute: false },
    async (request, reply) => {
      const offer = await ownedOffer(request.params.id, request.headers.authorization);
      const result = await waiters.wait(
        replyTo(offer.id),
        waitMs(request.query.wait, options),
        reply.raw,
      );
      if (result === undefined) return reply.code(204).send();
      if (result.status !== 'taken') throw untakenReplyError(result);
      return { sealed: encodeSealed(result.reply.sealed), code: result.reply.code };
    },
  );

  async function liveOffer(id: string): Promise<StoredOffer> {
    const found = await store.getOffer(id);
    if (found.status === 'expired') throw expiredError('offer');
    if (found.status === 'withdrawn') throw withdrawnError();
    if (found.status === 'missing') throw notFoundError('offer');
    return found.offer;
  }

  async function ownedOffer(id: string, authorization: string): Promise<StoredOffer> {
    const offer = await liveOffer(id);
    const token = authorization.slice('bearer '.length);
    if (!ownerTokenMatches(token, offer.ownerTokenHash)) {
      throw new ServerError('ERR_NOT_OWNER', 'this owner token does not own the offer');
    }
    return offer;
  }

  /** B's wait: the reserved offer once its owner uploads it (expired or gone: an error). */
  function uploadOf(id: string): WaitTarget<UploadedOffer> {
    return {
      subscribe: (wake) => store.onOffer(id, wake),
      look: async () => {
        const offer = await liveOffer(id);
        return isUploaded(offer) ? offer : undefined;
      },
    };
  }

  /** A's wait: the offer's reply, taken (read once) the moment it is stored. */
  function replyTo(id: string): WaitTarget<Exclude<TakeOwnReplyResult, { status: 'pending' }>> {
    return {
      subscribe: (wake) => store.onReply(id, wake),
      look: async () => {
        const result = await store.takeReplyForOffer(id);
        return result.status === 'pending' ? undefined : result;
      },
    };
  }
}

function isUploaded(offer: StoredOffer): offer is UploadedOffer {
  return offer.sealed !== null;
}
