import { ACCOUNT_PATHS } from '@webrtc-connect/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServerError } from '../errors.ts';

/**
 * Only the account socket upgrades, and only to WebSocket. @fastify/websocket routes every
 * upgrade through the router and would answer 101 on any GET route, then hold the socket in
 * a close handshake for 30 s, outside the account-socket cap and hello timeout: an upgrade
 * elsewhere (or to anything but WebSocket, such as h2c) is refused before any handler runs,
 * as an ordinary JSON error, and the socket closed after it. And a plain GET of the account
 * socket gets 426 rather than the plugin's empty 404.
 * Added after @fastify/websocket, whose own hook marks `request.ws`.
 */
export function guardUpgrades(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const account = isAccountPath(request);
    if (request.ws) {
      if (account && isWebSocketUpgrade(request)) return;
      throw new ServerError(
        'ERR_UPGRADE_REFUSED',
        `only ${ACCOUNT_PATHS.socket} upgrades, and only to websocket`,
      );
    }
    if (account && request.method === 'GET') {
      reply.header('upgrade', 'websocket');
      throw new ServerError(
        'ERR_UPGRADE_REQUIRED',
        `${ACCOUNT_PATHS.socket} is a WebSocket: connect with an upgrade`,
      );
    }
  });
}

function isAccountPath(request: FastifyRequest): boolean {
  return request.routeOptions.url === ACCOUNT_PATHS.socket;
}

function isWebSocketUpgrade(request: FastifyRequest): boolean {
  return request.method === 'GET' && (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}
