import { homedir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ServerError } from './errors.ts';
import { lanAddress } from './lan/lan-address.ts';
import { type LanCertificate, lanCertificate } from './lan/lan-certificate.ts';
import { createServer } from './server.ts';
import type { ServerOptions } from './server-options.ts';

export interface StartServerOptions extends ServerOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (with `lan`, this machine's LAN address): reachable from this machine only until asked otherwise. */
  host?: string;
  /**
   * Serve HTTPS on this machine's LAN address (or `host`), so a phone on the same network gets a
   * secure context (WebCrypto, microphone). Without `https`, a self-signed certificate for the
   * address is made and kept in `tlsDir`.
   */
  lan?: boolean;
  /** Where `lan` keeps the certificate it makes (default ~/.config/webrtc-connect/tls). */
  tlsDir?: string;
  /** Close gracefully on SIGINT and SIGTERM (default true). */
  handleSignals?: boolean;
}

export interface StartedServer {
  app: FastifyInstance;
  /** The base address, such as `http://127.0.0.1:8080`. */
  url: string;
  /** With `lan` and no certificate given: the self-signed one it serves. */
  lanCertificate?: LanCertificate;
  /** Ends waiting long-polls, finishes requests in flight, then stops. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 10_000;
export const DEFAULT_PORT = 8080;

/** `createServer`, listening. */
export async function startServer(options: StartServerOptions = {}): Promise<StartedServer> {
  const {
    port = DEFAULT_PORT,
    handleSignals = true,
    lan = false,
    tlsDir,
    ...serverOptions
  } = options;
  let host = options.host ?? '127.0.0.1';
  let certificate: LanCertificate | undefined;
  if (lan) {
    const address = options.host ?? lanAddress();
    if (!address) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        '--lan: this machine has no LAN address (no IPv4 interface besides loopback); give --host',
      );
    }
    host = address;
    if (!serverOptions.https) {
      certificate = await lanCertificate(tlsDir ?? defaultTlsDir(), address);
      serverOptions.https = { cert: certificate.cert, key: certificate.key };
    }
  }
  const app = await createServer(serverOptions);
  await app.listen({ port, host });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const scheme = serverOptions.https ? 'https' : 'http';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound}`;

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
  return { app, url, close, ...(certificate ? { lanCertificate: certificate } : {}) };
}

/** `$XDG_CONFIG_HOME/webrtc-connect/tls`, by default ~/.config/webrtc-connect/tls. */
function defaultTlsDir(): string {
  const config = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(config, 'webrtc-connect', 'tls');
}
