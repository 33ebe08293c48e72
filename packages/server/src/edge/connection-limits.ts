import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.ts';
import { rawErrorResponse } from './client-errors.ts';

export interface ConnectionLimits {
  /** Connections open at once on this instance. */
  maxConnections: number;
  /** Connections (or requests through a trusted proxy) one client address holds at once. */
  maxConnectionsPerAddress: number;
  /** Whether a peer is a trusted proxy, whose connections carry many clients' requests. */
  isTrustedProxy(address: string): boolean;
}

/**
 * Caps on what one instance and one client address hold at once, so that slow or idle
 * connections cannot take every descriptor (health checks then fail too). Counted on the TCP
 * connection, which is where a slow request holds its descriptor, with a trusted proxy's
 * connections counted only in the total; through a proxy the per-address cap counts the
 * requests each client address has in flight (held long-polls included) instead.
 * Refusals are the documented JSON error, written on the socket and then closed.
 */
export function limitConnections(app: FastifyInstance, limits: ConnectionLimits): void {
  const perAddress = new Map<string, number>();
  let open = 0;
  // Over TLS the socket here is still the raw TCP one, before the handshake: a refusal can
  // only be a close.
  const readable = !(app.server instanceof TlsServer);
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const proxied = limits.isTrustedProxy(address);
    const held = proxied ? 0 : (perAddress.get(address) ?? 0);
    if (open >= limits.maxConnections || held >= limits.maxConnectionsPerAddress) {
      if (readable) refuse(socket, open >= limits.maxConnections ? serverBusy() : tooManyFrom());
      else socket.destroy();
      return;
    }
    open += 1;
    if (!proxied) perAddress.set(address, held + 1);
    socket.once('close', () => {
      open -= 1;
      if (proxied) return;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });

  const inFlight = new Map<string, number>();
  app.addHook('onRequest', async (request, reply) => {
    // Account sockets have their own caps (per instance, per user), and a direct client's
    // connections are already counted above.
    if (request.ws || !limits.isTrustedProxy(request.socket.remoteAddress ?? '')) return;
    const { ip } = request;
    const held = inFlight.get(ip) ?? 0;
    if (held >= limits.maxConnectionsPerAddress) throw tooManyFrom();
    inFlight.set(ip, held + 1);
    reply.raw.once('close', () => {
      const left = (inFlight.get(ip) ?? 1) - 1;
      if (left === 0) inFlight.delete(ip);
      else inFlight.set(ip, left);
    });
  });
}

function serverBusy(): ServerError {
  return new ServerError('ERR_SERVER_BUSY', 'the server holds all the connections it may', {
    retryAfterSeconds: 5,
  });
}

function tooManyFrom(): ServerError {
  return new ServerError(
    'ERR_TOO_MANY_CONNECTIONS',
    'this address holds all the connections the server allows one address',
    { retryAfterSeconds: 5 },
  );
}

/** Answers before reading anything, then closes: the peer reads the refusal as its response. */
function refuse(socket: Socket, failure: ServerError): void {
  socket.on('error', () => socket.destroy());
  // Whatever the peer sends meanwhile is not answered: the socket goes once this is written.
  socket.end(rawErrorResponse(failure), () => socket.destroy());
  // A peer that never reads must not keep the descriptor this refusal saves.
  socket.setTimeout(2_000, () => socket.destroy());
}
