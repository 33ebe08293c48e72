import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyWebsocket from '@fastify/websocket';
import { mailboxSchemas } from '@webrtc-connect/protocol';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { AccountService, accountRoutes, MAX_TRANSPORT_PAYLOAD } from './account/account-service.ts';
import { oidcOrigins } from './account/oidc-discovery.ts';
import { answerClientError } from './edge/client-errors.ts';
import { limitConnections } from './edge/connection-limits.ts';
import { proxyTrustFunction, trustedProxyMatcher } from './edge/proxy-trust.ts';
import { securityHeaders } from './edge/security-headers.ts';
import { guardUpgrades } from './edge/upgrade-guard.ts';
import { handleError, routerFailure } from './error-handler.ts';
import { ServerError } from './errors.ts';
import { iceServersRoute } from './ice-servers/ice-servers-route.ts';
import { loggerOptions, maskPath } from './logging.ts';
import { LongPollWaiters } from './mailbox/long-poll.ts';
import type { MailboxContext } from './mailbox/mailbox-context.ts';
import { offerRoutes } from './mailbox/offer-routes.ts';
import { replyRoutes } from './mailbox/reply-routes.ts';
import { resumeBoxRoutes } from './mailbox/resume-box-routes.ts';
import { healthRoute } from './operations/health-route.ts';
import { metricsRoute } from './operations/metrics.ts';
import { resolveServerOptions, type ServerOptions } from './server-options.ts';
import { openStores } from './server-stores.ts';
import { sendAppPage, servesAppPage, webAppRoot, webAppRoutes } from './web-app/web-app-routes.ts';

type RateLimitState = Awaited<ReturnType<ReturnType<FastifyInstance['createRateLimit']>>>;

/**
 * The mailbox API, the account rooms' WebSocket endpoint (and the web app, given its
 * directory) as a Fastify instance, ready but not listening: `app.inject()` it in tests,
 * `app.listen()` it, or use `startServer`.
 */
export async function createServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const resolved = resolveServerOptions(options);
  const { trustProxy } = resolved;
  const stores = await openStores(resolved);
  const { mailbox: store, link } = stores;
  resolved.account = { ...resolved.account, roomStore: stores.rooms };
  // Malformed paths fail in the router, before any hook: counted and answered here instead.
  let countBadPath: ((request: FastifyRequest) => Promise<RateLimitState>) | undefined;
  const app = Fastify({
    ...(resolved.https ? { https: resolved.https } : {}),
    logger: loggerOptions(resolved),
    bodyLimit: resolved.bodyLimitBytes,
    trustProxy: proxyTrustFunction(trustProxy),
    // The whole request (line, headers, body) within the timeout; a held response is not cut
    // by it, only the arrival of its request. Node checks at an interval: a few per timeout.
    requestTimeout: resolved.requestTimeoutMs,
    keepAliveTimeout: resolved.keepAliveTimeoutMs,
    http: {
      headersTimeout: resolved.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, resolved.requestTimeoutMs / 4)),
    },
    clientErrorHandler: answerClientError,
    // Fastify's own 503 while closing has another error shape; long-polls end at close anyway.
    return503OnClosing: false,
    // No type coercion (a number is not a sealed string) and no silent dropping of fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    // Long enough that an over-long id or code meets its schema (and its error code).
    routerOptions: { maxParamLength: 500 },
    frameworkErrors: async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const state = await countBadPath?.(request);
      const failure =
        state && !state.isAllowed && state.isExceeded
          ? new ServerError('ERR_RATE_LIMITED', 'too many requests', {
              retryAfterSeconds: state.ttlInSeconds,
            })
          : routerFailure(error, request);
      return reply.send(handleError(failure, request, reply));
    },
  });
  app.setErrorHandler(handleError);
  // Every body is JSON: a text/plain one is 415, not a string that fails the schema.
  app.removeContentTypeParser('text/plain');

  if (resolved.corsOrigins.length > 0) {
    // Before the rate limit, so a refusal (429) still reaches the page as a readable error.
    await app.register(fastifyCors, {
      origin: resolved.corsOrigins.includes('*') ? '*' : [...resolved.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type'],
      exposedHeaders: ['retry-after'],
      maxAge: 600,
    });
  }

  await securityHeaders(app, oidcOrigins(resolved.account.oidc));

  const { rateLimit } = resolved;
  await app.register(fastifyRateLimit, {
    // Registered even when off: the reply-code miss limit is built on it.
    global: rateLimit !== false,
    ...(rateLimit === false ? {} : { max: rateLimit.max, timeWindow: rateLimit.windowMs }),
    // On Redis, one budget per address for all instances. While Redis is away every route
    // that needs it answers its own outage error (503 ERR_STORE_UNAVAILABLE, or
    // ERR_ROOM_UNAVAILABLE on the account socket), so the count is skipped rather than made
    // a second refusal that would hide those.
    ...(stores.rateLimitStore ? { store: stores.rateLimitStore, skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) =>
      new ServerError('ERR_RATE_LIMITED', `too many requests; retry in ${context.after}`),
  });
  if (rateLimit !== false) countBadPath = app.createRateLimit();

  const account = new AccountService(resolved.account, resolved.clock, app.log);
  // Before the WebSocket plugin's own preClose, so devices get 1001 and leave their rooms.
  app.addHook('preClose', async () => account.close());
  // Registered at the root, so an upgrade to any other path is refused, not left hanging.
  // Upgrades pass the rate limit like every request.
  await app.register(fastifyWebsocket, {
    // No set of clients in ws: the account service keeps its own sockets and closes them first.
    options: { maxPayload: MAX_TRANSPORT_PAYLOAD, clientTracking: false },
    // Only a throw from the route's handler gets here (socket errors have their own listener).
    errorHandler: (error, socket, request) => {
      request.log.error({ err: error }, 'account socket failed');
      socket.terminate();
    },
  });

  guardUpgrades(app);
  limitConnections(app, {
    maxConnections: resolved.maxConnections,
    maxConnectionsPerAddress: resolved.maxConnectionsPerAddress,
    isTrustedProxy: trustedProxyMatcher(trustProxy),
  });

  const waiters = new LongPollWaiters(resolved.maxWaiters);
  const context: MailboxContext = {
    store,
    waiters,
    schemas: mailboxSchemas(resolved.maxSealedBytes),
    options: resolved,
    link,
  };
  await app.register(offerRoutes, context);
  await app.register(replyRoutes, context);
  await app.register(resumeBoxRoutes, {
    boxes: stores.resumeBoxes,
    waiters,
    schemas: context.schemas,
    options: resolved,
  });
  await app.register(healthRoute, context);
  await app.register(iceServersRoute, context);
  // Not encapsulated: its response hook counts the requests of every route.
  if (resolved.metrics) {
    await metricsRoute(app, { store, waiters, account, token: resolved.metricsToken ?? '' });
  }
  await app.register(accountRoutes, account);

  const root = webAppRoot(resolved.webRoot);
  if (root) await webAppRoutes(app, root);
  else if (resolved.webRoot !== undefined) {
    app.log.warn(`web root ${resolved.webRoot} is not a directory: serving the API only`);
  }
  app.setNotFoundHandler(
    // Unknown paths count against the rate limit too, or they would be a free way to flood.
    rateLimit === false ? {} : { preHandler: app.rateLimit() },
    (request, reply) => {
      if (root && servesAppPage(request)) return sendAppPage(reply);
      throw new ServerError('ERR_NO_ROUTE', `no route ${request.method} ${maskPath(request.url)}`);
    },
  );

  app.addHook('preClose', async () => waiters.close());
  stores.announce(app.log);
  app.addHook('onClose', async () => stores.close());
  return app;
}
