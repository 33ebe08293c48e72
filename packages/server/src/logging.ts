import type { FastifyRequest } from 'fastify';
import type { ResolvedServerOptions } from './server-options.ts';

/**
 * pino options for Fastify. Requests are logged by method, path and client address only: no
 * headers (the owner token is a bearer header) and no bodies (sealed blobs, sign-in tokens);
 * reply codes are masked in paths, since a code in a log is a reply someone could read first,
 * and so are queries on the account paths, where a careless client might put its token.
 */
export function loggerOptions(options: ResolvedServerOptions) {
  return {
    level: options.logLevel,
    ...(options.logStream ? { stream: options.logStream } : {}),
    // Belt and braces, should a later serializer or plugin log headers.
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'token'],
      censor: '[redacted]',
    },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: maskPath(request.url),
        remoteAddress: request.ip,
      }),
    },
  };
}

export function maskPath(url: string): string {
  const masked = url
    .replace(/^\/api\/replies\/[^/?#]+/, '/api/replies/:code')
    .replace(/^(\/api\/(?:account|dev\/sign-in))[/?#].*$/s, '$1?[redacted]');
  // Unmatched paths are whatever a client sent: keep log lines short.
  return masked.length > 200 ? `${masked.slice(0, 200)}…` : masked;
}
