import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { AccountService } from '../account/account-service.ts';
import { ServerError } from '../errors.ts';
import type { LongPollWaiters } from '../mailbox/long-poll.ts';
import type { MailboxStore } from '../mailbox/mailbox-store.ts';

/** What the metrics read at each scrape: nothing on a hot path is touched to count. */
export interface MetricsSources {
  store: MailboxStore;
  waiters: LongPollWaiters;
  account: AccountService;
  /** What scrapes send as `authorization: Bearer <token>`. */
  token: string;
}

/**
 * `GET /api/metrics` in the Prometheus text format: requests by route and status, the
 * mailbox's live offers, replies and long-polls, account sockets, signals relayed and
 * broadcasters appointed by this instance, and Node's own process metrics. One registry per
 * server, so several servers in one process count apart.
 */
export async function metricsRoute(app: FastifyInstance, sources: MetricsSources): Promise<void> {
  const register = new Registry();
  const registers = [register];
  collectDefaultMetrics({ register, prefix: 'webrtc_connect_' });

  const requests = new Counter({
    name: 'webrtc_connect_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  // The route's pattern, never the path: ids and codes must not become label values.
  app.addHook('onResponse', async (request, reply) => {
    requests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'none',
      status: String(reply.statusCode),
    });
  });

  // Both gauges are collected at once in a scrape: they share one store read (a round trip on
  // Redis), made anew at the next scrape.
  let reading: ReturnType<MailboxStore['counts']> | undefined;
  const counts = () => {
    reading ??= sources.store.counts().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  new Gauge({
    name: 'webrtc_connect_mailbox_offers',
    help: 'Live offers in the mailbox (all instances, on Redis).',
    registers,
    async collect() {
      this.set((await counts()).offers);
    },
  });
  new Gauge({
    name: 'webrtc_connect_mailbox_replies',
    help: 'Live, unread replies in the mailbox (all instances, on Redis).',
    registers,
    async collect() {
      this.set((await counts()).replies);
    },
  });
  new Gauge({
    name: 'webrtc_connect_mailbox_waiting',
    help: 'Long-polls this instance holds open.',
    registers,
    collect() {
      this.set(sources.waiters.size);
    },
  });
  new Gauge({
    name: 'webrtc_connect_account_sockets',
    help: 'Account sockets open on this instance.',
    registers,
    collect() {
      this.set(sources.account.sockets);
    },
  });
  new Counter({
    name: 'webrtc_connect_account_signals_total',
    help: 'Signals this instance took from its devices to relay.',
    registers,
    collect() {
      this.reset();
      this.inc(sources.account.relayed.signals);
    },
  });
  new Counter({
    name: 'webrtc_connect_account_broadcasters_total',
    help: "Broadcasters this instance appointed (a room's first device, or a promotion).",
    registers,
    collect() {
      this.reset();
      this.inc(sources.account.relayed.promotions);
    },
  });

  const expected = digest(sources.token);
  app.get('/api/metrics', async (request, reply) => {
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    // Digests of equal length, compared in constant time: the answer's timing tells nothing.
    if (scheme?.toLowerCase() !== 'bearer' || !timingSafeEqual(digest(token ?? ''), expected)) {
      throw new ServerError('ERR_UNAUTHORIZED', 'the metrics need their bearer token');
    }
    reply.header('cache-control', 'no-store').type(register.contentType);
    return register.metrics();
  });
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
