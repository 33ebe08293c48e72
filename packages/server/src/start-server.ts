import type { FastifyInstance } from 'fastify';
import { createServer } from './server.ts';
import type { ServerOptions } from './server-options.ts';

export interface StartServerOptions extends ServerOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only until asked otherwise. */
  host?: string;
  /** Close gracefully on SIGINT and SIGTERM (default true). */
  handleSignals?: boolean;
}

export interface StartedServer {
  app: FastifyInstance;
  /** The base address, such as `http://127.0.0.1:8080`. */
  url: string;
  /** Ends waiting long-polls, finishes requests in flight, then stops. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 10_000;

/** `createServer`, listening. */
export async function startServer(options: StartServerOptions = {}): Promise<StartedServer> {
  const { port = 8080, host = '127.0.0.1', handleSignals = true, ...serverOptions } = options;
  const app = await createServer(serverOptions);
  await app.listen({ port, host });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Long-polls end at once; a connection that never sends a request would hold close()
      // until its own timeout, so cut whatever is left after a grace period.
      const grace = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(grace);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    })();
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      // A second signal: the person wants out now.
      app.log.warn({ signal }, 'exiting without waiting');
      process.exit(1);
    }
    app.log.info({ signal }, 'closing');
    close().catch((error: unknown) => {
      app.log.error({ err: error }, 'close failed');
      process.exitCode = 1;
    });
  };
  if (handleSignals) {
    // `on`, not `once`: a second signal during the close must reach onSignal, not kill us.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return { app, url, close };
}
