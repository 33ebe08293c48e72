import type {
  CreateResumeBoxRequest,
  CreateResumeBoxResponse,
  MailboxSchemas,
  PostResumeSignalRequest,
  TakeResumeSignalsResponse,
} from '@webrtc-connect/protocol';
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.ts';
import type { ResolvedServerOptions } from '../server-options.ts';
import type { LongPollWaiters, WaitTarget } from './long-poll.ts';
import { expiredError, isoTime, mailboxFullError, waitMs } from './mailbox-context.ts';
import type {
  NumberedResumeSignal,
  ResumeBoxStore,
  ResumeSide,
  SignalsAfterResult,
} from './resume-box-store.ts';
import { decodeSealed, encodeSealed } from './sealed-blob.ts';

export interface ResumeBoxContext {
  boxes: ResumeBoxStore;
  waiters: LongPollWaiters;
  schemas: MailboxSchemas;
  options: ResolvedServerOptions;
}

type Live = { signals: NumberedResumeSignal[]; expiresAt: number };

/**
 * Resume boxes (DESIGN §4.5): a link's two sides post each other sealed signals to resume a
 * session with no data channel between them, and wait for them with a long-poll. Anyone holding
 * a box id (derived from the link secret) may post and wait; the blobs open only under keys
 * derived from the same secret, and the sides refuse replays, so holding the id buys nothing.
 *
 * A wait says which signals it has (`?after=`, the highest number processed): the box drops
 * those and answers the rest without dropping them, so a response lost on the way (a stale
 * connection, a client gone during the look) is answered again to the next wait. A wait
 * without `after` (a client from before the numbers) takes every signal, as it always did.
 */
export async function resumeBoxRoutes(
  app: FastifyInstance,
  context: ResumeBoxContext,
): Promise<void> {
  const { boxes, waiters, schemas, options } = context;
  /**
   * The wait each box side has here now. A side listens with one request at a time, so a new
   * one means the old is stale: its page reloaded, or its network changed under it and the
   * old connection can no longer carry a response (neither end may know yet). It ends (204)
   * at once rather than hold a connection and a waiter for its whole length. For a wait with
   * `after` that is all: what a stale wait is answered stays in the box for the next. A wait
   * without it takes the signals, so this is what keeps them from a stale one (per instance
   * only: a stale wait on another instance still takes them).
   */
  const waiting = new Map<string, AbortController>();

  app.post<{ Body: CreateResumeBoxRequest; Reply: CreateResumeBoxResponse }>(
    '/api/resume-boxes',
    { schema: schemas.createResumeBox },
    async (request, reply) => {
      // A box lives as long as a link does: it resumes the sessions of that link only.
      const expiresAt = options.clock() + options.offerTtlMs;
      const result = await boxes.createBox(request.body.id, expiresAt);
      switch (result) {
        case 'created':
          reply.code(201);
          return { expiresAt: isoTime(expiresAt) };
        case 'id-taken':
          throw new ServerError('ERR_RESUME_BOX_TAKEN', 'a resume box with this id exists');
        case 'full':
          throw mailboxFullError('resume boxes');
      }
    },
  );

  app.post<{
    Params: { id: string; to: ResumeSide };
    Body: PostResumeSignalRequest;
    Reply: { 204: undefined };
  }>('/api/resume-boxes/:id/:to', { schema: schemas.postResumeSignal }, async (request, reply) => {
    const { id, to } = request.params;
    const result = await boxes.postSignal(id, to, decodeSealed(request.body.sealed));
    switch (result) {
      case 'stored':
        return reply.code(204).send();
      case 'side-full':
        throw new ServerError(
          'ERR_RESUME_BOX_FULL',
          `side ${to} of the resume box holds all the signals it may until they are acknowledged`,
        );
      case 'expired':
        throw expiredError('resume box');
      case 'missing':
        throw missingBox();
    }
  });

  app.get<{
    Params: { id: string; to: ResumeSide };
    Querystring: { wait?: string; after?: string };
    Reply: { 200: TakeResumeSignalsResponse; 204: undefined };
  }>(
    '/api/resume-boxes/:id/:to',
    // No HEAD twin: it would take (or acknowledge) the signals and answer without them.
    { schema: schemas.takeResumeSignals, exposeHeadRoute: false },
    async (request, reply) => {
      const { id, to } = request.params;
      const after = request.query.after === undefined ? undefined : Number(request.query.after);
      const side = `${id}/${to}`;
      waiting.get(side)?.abort();
      const mine = new AbortController();
      waiting.set(side, mine);
      let taken: Live | undefined;
      try {
        taken = await waiters.wait(
          signalsFor(id, to, after),
          waitMs(request.query.wait, options),
          reply.raw,
          mine.signal,
        );
      } finally {
        if (waiting.get(side) === mine) waiting.delete(side);
      }
      if (taken === undefined) return reply.code(204).send();
      return {
        sealed: taken.signals.map((signal) => encodeSealed(signal.sealed)),
        seqs: taken.signals.map((signal) => signal.seq),
        expiresAt: isoTime(taken.expiresAt),
      };
    },
  );

  function signalsFor(id: string, to: ResumeSide, after: number | undefined): WaitTarget<Live> {
    return {
      subscribe: (wake) => boxes.onSignal(id, to, wake),
      look: async () => {
        const found: SignalsAfterResult =
          after === undefined
            ? await boxes.takeSignals(id, to)
            : await boxes.signalsAfter(id, to, after);
        switch (found.status) {
          case 'expired':
            throw expiredError('resume box');
          case 'missing':
            throw missingBox();
          case 'ahead':
            throw new ServerError(
              'ERR_INVALID_QUERY',
              `after (${after}) is above the last signal posted to side ${to} (${found.last})`,
            );
          case 'live':
            return found.signals.length > 0 ? found : undefined;
        }
      },
    };
  }
}

function missingBox(): ServerError {
  return new ServerError('ERR_NOT_FOUND', 'no resume box has this id');
}
