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
import type { ResumeBoxStore, ResumeSide } from './resume-box-store.ts';
import { decodeSealed, encodeSealed } from './sealed-blob.ts';

export interface ResumeBoxContext {
  boxes: ResumeBoxStore;
  waiters: LongPollWaiters;
  schemas: MailboxSchemas;
  options: ResolvedServerOptions;
}

type Live = { sealed: Uint8Array[]; expiresAt: number };

/**
 * Resume boxes (DESIGN §4.5): a link's two sides post each other sealed signals to resume a
 * session with no data channel between them, and take them with a long-poll. Anyone holding a
 * box id (derived from the link secret) may post and take; the blobs open only under keys
 * derived from the same secret, and the sides refuse replays, so holding the id buys nothing.
 */
export async function resumeBoxRoutes(
  app: FastifyInstance,
  context: ResumeBoxContext,
): Promise<void> {
  const { boxes, waiters, schemas, options } = context;
  /**
   * The wait each box side has here now. A side listens with one request at a time, so a new
   * one means the old is stale: its page reloaded, or its network changed under it and the
   * old connection can no longer carry a response (neither end may know yet). A stale wait
   * left standing would take the signals and lose them; it ends (204) instead, and the newest
   * gets them. Per server instance: a stale wait on another instance still stands.
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
          `side ${to} of the resume box holds all the signals it may until they are taken`,
        );
      case 'expired':
        throw expiredError('resume box');
      case 'missing':
        throw missingBox();
    }
  });

  app.get<{
    Params: { id: string; to: ResumeSide };
    Querystring: { wait?: string };
    Reply: { 200: TakeResumeSignalsResponse; 204: undefined };
  }>(
    '/api/resume-boxes/:id/:to',
    // No HEAD twin: it would take the signals and answer without them.
    { schema: schemas.takeResumeSignals, exposeHeadRoute: false },
    async (request, reply) => {
      const { id, to } = request.params;
      const side = `${id}/${to}`;
      waiting.get(side)?.abort();
      const mine = new AbortController();
      waiting.set(side, mine);
      let taken: Live | undefined;
      try {
        taken = await waiters.wait(
          signalsFor(id, to),
          waitMs(request.query.wait, options),
          reply.raw,
          mine.signal,
        );
      } finally {
        if (waiting.get(side) === mine) waiting.delete(side);
      }
      if (taken === undefined) return reply.code(204).send();
      return { sealed: taken.sealed.map(encodeSealed), expiresAt: isoTime(taken.expiresAt) };
    },
  );

  function signalsFor(id: string, to: ResumeSide): WaitTarget<Live> {
    return {
      subscribe: (wake) => boxes.onSignal(id, to, wake),
      look: async () => {
        const found = await boxes.takeSignals(id, to);
        if (found.status === 'expired') throw expiredError('resume box');
        if (found.status === 'missing') throw missingBox();
        return found.sealed.length > 0 ? found : undefined;
      },
    };
  }
}

function missingBox(): ServerError {
  return new ServerError('ERR_NOT_FOUND', 'no resume box has this id');
}
