import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorResponse } from '@webrtc-connect/protocol';
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.ts';

/**
 * Node's `clientError`: a request line or headers Node could not parse, headers too large, or
 * a request that did not arrive within the request timeout. No route and no hook sees these,
 * so the answer is written to the socket here, in the documented `{ error }` shape, and the
 * connection closed (after a parse error the rest of its bytes mean nothing).
 */
export function answerClientError(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const failure = clientFailure(error.code);
  this.log.debug({ err: error }, 'client error');
  // A response already started must not get a second one written into it; one not started
  // (a body that trickles in too slowly) is this answer instead.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })
    ._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(rawErrorResponse(failure));
  socket.destroy();
}

function clientFailure(code: string | undefined): ServerError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ServerError('ERR_REQUEST_TIMEOUT', 'the request did not arrive in time');
    case 'HPE_HEADER_OVERFLOW':
      return new ServerError('ERR_HEADERS_TOO_LARGE', 'the request headers are too large');
    default:
      return new ServerError('ERR_BAD_REQUEST', 'the request is not well-formed HTTP/1.1');
  }
}

/** A whole HTTP/1.1 error response with `connection: close`, for a socket no route owns. */
export function rawErrorResponse(failure: ServerError): string {
  const body: ErrorResponse = {
    error: { code: failure.code as ErrorResponse['error']['code'], message: failure.message },
  };
  const text = JSON.stringify(body);
  const status = failure.statusCode;
  const retry =
    failure.retryAfterSeconds === undefined ? '' : `retry-after: ${failure.retryAfterSeconds}\r\n`;
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(text)}\r\n` +
    'x-content-type-options: nosniff\r\n' +
    `${retry}connection: close\r\n\r\n${text}`
  );
}
