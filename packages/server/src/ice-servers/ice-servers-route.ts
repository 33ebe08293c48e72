import { createHmac } from 'node:crypto';
import type { IceServer, IceServersResponse } from '@webrtc-connect/protocol';
import type { FastifyInstance } from 'fastify';
import type { MailboxContext } from '../mailbox/mailbox-context.ts';
import { TURN_URL, urlsOf } from './ice-server-checks.ts';

/**
 * TURN REST API credentials (as coturn's `use-auth-secret` checks them): the username is the
 * expiry in Unix seconds and a label, the credential base64(HMAC-SHA1(secret, username)).
 */
export function turnCredentials(
  secret: string,
  expiresAtSeconds: number,
): { username: string; credential: string } {
  const username = `${expiresAtSeconds}:webrtc-connect`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * `GET /api/ice-servers`: what the web app (or any client) gives its peer connections. TURN
 * servers listed without credentials get fresh ones from the TURN secret at each request.
 */
export async function iceServersRoute(
  app: FastifyInstance,
  context: MailboxContext,
): Promise<void> {
  const { schemas, options } = context;
  app.get<{ Reply: IceServersResponse }>(
    '/api/ice-servers',
    { schema: schemas.iceServers },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      const { iceServers, turnSecret, turnTtlSeconds, clock } = options;
      const minting = turnSecret !== undefined && iceServers.some(needsCredentials);
      if (!minting) return { iceServers };
      const expiresAt = Math.floor(clock() / 1000) + turnTtlSeconds;
      const made = turnCredentials(turnSecret, expiresAt);
      return {
        iceServers: iceServers.map((server) =>
          needsCredentials(server) ? { ...server, ...made } : server,
        ),
        expiresAt: new Date(expiresAt * 1000).toISOString(),
      };
    },
  );
}

function needsCredentials(server: IceServer): boolean {
  return server.credential === undefined && urlsOf(server).some((url) => TURN_URL.test(url));
}
