import {
  type GetReplyResponse,
  normaliseReplyCode,
  type PostReplyRequest,
  type PostReplyResponse,
  REPLY_CODE_MAX_LENGTH,
  REPLY_CODE_MIN_LENGTH,
} from '@webrtc-connect/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServerError } from '../errors.ts';
import {
  expiredError,
  isoTime,
  type MailboxContext,
  mailboxFullError,
  notFoundError,
  untakenReplyError,
  withdrawnError,
} from './mailbox-context.ts';
import { newReplyCode } from './mailbox-ids.ts';
import type { StoredReply } from './mailbox-store.ts';
import { decodeSealed, encodeSealed } from './sealed-blob.ts';

/**
 * Draws per length before moving to a longer code. With at most 10,000 live codes among 32^5
 * (33.5 million) a draw collides one time in 3,000, so 6 characters are almost never needed.
 */
const DRAWS_PER_LENGTH = 4;

/** B's side: post the reply, get its code; and anyone holding a code reads it, once. */
export async function replyRoutes(app: FastifyInstance, context: MailboxContext): Promise<void> {
  const { store, schemas, options } = context;
  const { missLimit } = options;
  // Its own counters, apart from the general rate limit: guessing codes is the attack to slow.
  const misses =
    missLimit === false
      ? undefined
      : app.createRateLimit({
          max: missLimit.max,
          timeWindow: missLimit.windowMs,
          // Counted apart from the request limit, in a shared store too.
          keyGenerator: (request) => `misses:${request.ip}`,
        });

  app.post<{ Body: PostReplyRequest; Reply: PostReplyResponse }>(
    '/api/replies',
    { schema: schemas.postReply },
    async (request, reply) => {
      const sealed = decodeSealed(request.body.sealed);
      const { offerId } = request.body;
      const expiresAt = options.clock() + options.replyTtlMs;
      for (let length = REPLY_CODE_MIN_LENGTH; length <= REPLY_CODE_MAX_LENGTH; length += 1) {
        for (let draw = 0; draw < DRAWS_PER_LENGTH; draw += 1) {
          const code = newReplyCode(length);
          const stored: StoredReply = { code, sealed, expiresAt };
          if (offerId !== undefined) stored.offerId = offerId;
          const result = await store.putReply(stored);
          switch (result) {
            case 'stored':
              reply.code(201);
              return { code, expiresAt: isoTime(expiresAt) };
            case 'code-taken':
              continue;
            case 'offer-missing':
              throw notFoundError('offer');
            case 'offer-expired':
              throw expiredError('offer');
            case 'offer-withdrawn':
              throw withdrawnError();
            case 'offer-answered':
              throw new ServerError('ERR_OFFER_ALREADY_ANSWERED', 'the offer already has a reply');
            case 'offer-not-set':
              throw new ServerError('ERR_OFFER_NOT_SET', 'the offer is reserved, not uploaded yet');
            case 'full':
              throw mailboxFullError('replies');
          }
        }
      }
      throw mailboxFullError('replies');
    },
  );

  app.get<{ Params: { code: string }; Reply: GetReplyResponse }>(
    '/api/replies/:code',
    // No HEAD twin: it would take the reply and answer without it.
    { schema: schemas.getReply, exposeHeadRoute: false },
    async (request) => {
      // Checked before the lookup, so a blocked client learns nothing, not even a right guess.
      await refuseWhenMissingTooOften(request);
      const code = normaliseReplyCode(request.params.code);
      if (code === undefined) throw new ServerError('ERR_INVALID_CODE', 'not a reply code');
      const result = await store.takeReply(code);
      if (result.status === 'missing') await misses?.(request);
      if (result.status !== 'taken') throw untakenReplyError(result);
      const { sealed, offerId } = result.reply;
      return offerId === undefined
        ? { sealed: encodeSealed(sealed) }
        : { sealed: encodeSealed(sealed), offerId };
    },
  );

  async function refuseWhenMissingTooOften(request: FastifyRequest): Promise<void> {
    if (!misses) return;
    const state = await misses(request, { increment: false });
    if (state.isAllowed || state.remaining > 0) return;
    throw new ServerError(
      'ERR_RATE_LIMITED',
      'too many unknown reply codes from this address; wait before trying more',
      { retryAfterSeconds: Math.max(1, state.ttlInSeconds) },
    );
  }
}
