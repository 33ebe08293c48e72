import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.ts';
import { hashOwnerToken, newOfferId, newOwnerToken, ownerTokenMatches } from '../ids.ts';
import type {
  GetOfferResponse,
  OwnReplyResponse,
  PostOfferRequest,
  PostOfferResponse,
} from '../protocol/index.ts';
import { decodeSealed, encodeSealed } from '../sealed-blob.ts';
import type { StoredOffer } from '../store/mailbox-store.ts';
import {
  expiredError,
  isoTime,
  type MailboxContext,
  mailboxFullError,
  notFoundError,
  untakenReplyError,
} from './mailbox-context.ts';

/** A's side: store an offer, let B fetch it, wait for B's reply. */
export async function offerRoutes(app: FastifyInstance, context: MailboxContext): Promise<void> {
  const { store, waiters, schemas, options } = context;

  app.post<{ Body: PostOfferRequest; Reply: PostOfferResponse }>(
    '/api/offers',
    { schema: schemas.postOffer },
    async (request, reply) => {
      const sealed = decodeSealed(request.body.sealed);
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

  app.get<{ Params: { id: string }; Reply: GetOfferResponse }>(
    '/api/offers/:id',
    { schema: schemas.getOffer, exposeHeadRoute: false },
    async (request) => {
      const offer = await liveOffer(request.params.id);
      return { sealed: encodeSealed(offer.sealed), expiresAt: isoTime(offer.expiresAt) };
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
      const offer = await liveOffer(request.params.id);
      const token = request.headers.authorization.slice('bearer '.length);
      if (!ownerTokenMatches(token, offer.ownerTokenHash)) {
        throw new ServerError('ERR_NOT_OWNER', 'this owner token does not own the offer');
      }
      const waitSeconds = Math.min(
        request.query.wait === undefined ? options.defaultWaitSeconds : Number(request.query.wait),
        options.maxWaitSeconds,
      );
      const result = await waiters.wait(store, offer.id, waitSeconds * 1000, reply.raw);
      if (result.status === 'pending') return reply.code(204).send();
      if (result.status !== 'taken') throw untakenReplyError(result);
      return { sealed: encodeSealed(result.reply.sealed), code: result.reply.code };
    },
  );

  async function liveOffer(id: string): Promise<StoredOffer> {
    const found = await store.getOffer(id);
    if (found.status === 'expired') throw expiredError('offer');
    if (found.status === 'missing') throw notFoundError('offer');
    return found.offer;
  }
}
