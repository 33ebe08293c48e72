import { createHmac } from 'node:crypto';
import type { IceServer, IceServersResponse } from '@webrtc-connect/protocol';
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.ts';
import type { MailboxContext } from './mailbox-context.ts';

const ICE_URL = /^(?:stun|stuns|turn|turns):[^\s]+$/;
const TURN_URL = /^turns?:/;

/** The list of every URL of a server entry. */
function urlsOf(server: IceServer): string[] {
  return typeof server.urls === 'string' ? [server.urls] : server.urls;
}

/**
 * Refuses an ICE server list that cannot work, naming the entry: URLs of the stun:, stuns:,
 * turn: or turns: schemes, and TURN servers with their credentials or a secret to make them.
 */
export function checkIceServers(servers: unknown, turnSecret: string | undefined): IceServer[] {
  if (!Array.isArray(servers)) {
    throw new ServerError('ERR_INVALID_CONFIG', 'iceServers must be a list of servers');
  }
  return servers.map((server: unknown, index) => {
    const where = `iceServers[${index}]`;
    if (typeof server !== 'object' || server === null) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        `${where} must be { urls, username?, credential? }`,
      );
    }
    const { urls, username, credential, ...rest } = server as Record<string, unknown>;
    const list = typeof urls === 'string' ? [urls] : urls;
    if (
      Object.keys(rest).length > 0 ||
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((url) => typeof url === 'string' && ICE_URL.test(url))
    ) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        `${where}: urls must be stun:, stuns:, turn: or turns: URLs, and nothing else given but username and credential`,
      );
    }
    for (const [name, value] of [
      ['username', username],
      ['credential', credential],
    ] as const) {
      if (value !== undefined && typeof value !== 'string') {
        throw new ServerError('ERR_INVALID_CONFIG', `${where}.${name} must be a string`);
      }
    }
    const checked: IceServer = { urls: urls as string | string[] };
    if (typeof username === 'string') checked.username = username;
    if (typeof credential === 'string') checked.credential = credential;
    const turn = (list as string[]).some((url) => TURN_URL.test(url));
    if (turn && checked.credential === undefined && turnSecret === undefined) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        `${where} is a TURN server with no credential: give username and credential, or a TURN secret`,
      );
    }
    return checked;
  });
}

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
