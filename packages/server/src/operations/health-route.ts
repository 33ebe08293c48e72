import type { HealthResponse } from '@webrtc-connect/protocol';
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.ts';
import type { MailboxContext } from '../mailbox/mailbox-context.ts';

/** For operators and load balancers: alive, which store, and how full. */
export async function healthRoute(app: FastifyInstance, context: MailboxContext): Promise<void> {
  const { store, waiters, schemas, link } = context;
  const startedAt = performance.now();

  app.get<{ Reply: HealthResponse }>('/api/health', { schema: schemas.health }, async () => {
    if (link && link.state !== 'connected') {
      throw new ServerError(
        'ERR_STORE_UNAVAILABLE',
        `the Redis link is ${link.state}: this instance serves nothing until it is back`,
        { retryAfterSeconds: 1 },
      );
    }
    const counts = await store.counts();
    return {
      ...(link ? { link: 'connected' as const } : {}),
      status: 'ok',
      store: store.kind,
      uptimeSeconds: Math.round((performance.now() - startedAt) / 1000),
      offers: counts.offers,
      replies: counts.replies,
      waiting: waiters.size,
    };
  });
}
