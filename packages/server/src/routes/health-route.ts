import type { FastifyInstance } from 'fastify';
import type { HealthResponse } from '../protocol/index.ts';
import type { MailboxContext } from './mailbox-context.ts';

/** For operators and load balancers: alive, which store, and how full. */
export async function healthRoute(app: FastifyInstance, context: MailboxContext): Promise<void> {
  const { store, waiters, schemas } = context;
  const startedAt = performance.now();

  app.get<{ Reply: HealthResponse }>('/api/health', { schema: schemas.health }, async () => {
    const counts = await store.counts();
    return {
      status: 'ok',
      store: store.kind,
      uptimeSeconds: Math.round((performance.now() - startedAt) / 1000),
      offers: counts.offers,
      replies: counts.replies,
      waiting: waiters.size,
    };
  });
}
