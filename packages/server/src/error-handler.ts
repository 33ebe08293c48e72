import {
  type ErrorResponse,
  isMailboxErrorCode,
  type MailboxErrorCode,
} from '@webrtc-connect/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isServerError, ServerError } from './errors.ts';

/**
 * Turns every failure, ours or Fastify's, into `{ error: { code, message } }` with its status,
 * so a client never meets a second error shape.
 */
export function handleError(
  error: FastifyError | ServerError,
  request: FastifyRequest,
  reply: FastifyReply,
): ErrorResponse {
  const known = isServerError(error) ? error : fromFastifyError(error);
  // Configuration and account-socket codes have no HTTP meaning: over HTTP they are a failure.
  const code = isMailboxErrorCode(known.code) ? known.code : 'ERR_INTERNAL';
  if (code === 'ERR_INTERNAL') request.log.error({ err: error }, 'request failed');
  if (known.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(known.retryAfterSeconds));
  }
  if (code === 'ERR_UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
  reply.code(known.statusCode);
  // Internal messages may name internals; clients get the description instead.
  const message = code === 'ERR_INTERNAL' ? 'the server failed' : known.message.slice(0, 300);
  return { error: { code, message } };
}

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
}

function fromFastifyError(error: FastifyError): ServerError {
  if (error.validation) {
    const issues = error.validation as ValidationIssue[];
    return new ServerError(validationCode(error.validationContext, issues), error.message);
  }
  const code = FASTIFY_CODES[error.code];
  if (code) return new ServerError(code, error.message);
  if (error.statusCode === 429) return new ServerError('ERR_RATE_LIMITED', error.message);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ServerError('ERR_BAD_REQUEST', error.message);
  }
  return new ServerError('ERR_INTERNAL', error.message, { cause: error });
}

const FASTIFY_CODES: Readonly<Record<string, MailboxErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_INVALID_BODY',
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_BAD_REQUEST',
  FST_ERR_BAD_URL: 'ERR_BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'ERR_BAD_REQUEST',
};

function validationCode(context: string | undefined, issues: ValidationIssue[]): MailboxErrorCode {
  const first = issues[0] ?? {};
  switch (context) {
    case 'headers':
      // The only header any route requires is the owner's bearer token.
      return 'ERR_UNAUTHORIZED';
    case 'querystring':
      return 'ERR_INVALID_QUERY';
    case 'params':
      if (first.instancePath === '/to') return 'ERR_INVALID_ROLE';
      return first.instancePath === '/code' ? 'ERR_INVALID_CODE' : 'ERR_INVALID_ID';
    default:
      if (first.instancePath === '/sealed' && first.keyword === 'maxLength') {
        return 'ERR_BLOB_TOO_LARGE';
      }
      // A resume box's `id` is in the body when the box is made.
      return first.instancePath === '/offerId' || first.instancePath === '/id'
        ? 'ERR_INVALID_ID'
        : 'ERR_INVALID_BODY';
  }
}

/**
 * An error of the router itself (a path it cannot decode, a parameter over 500 characters):
 * an over-long id or code is still an invalid id or code, as a short bad one would be.
 */
export function routerFailure(
  error: FastifyError,
  request: FastifyRequest,
): FastifyError | ServerError {
  if (error.code !== 'FST_ERR_MAX_PARAM_LENGTH') return error;
  const path = request.url.split('?', 1)[0] ?? '';
  if (path.startsWith('/api/replies/'))
    return new ServerError('ERR_INVALID_CODE', 'not a reply code');
  if (path.startsWith('/api/offers/')) return new ServerError('ERR_INVALID_ID', 'not an offer id');
  if (path.startsWith('/api/resume-boxes/'))
    return new ServerError('ERR_INVALID_ID', 'not a resume box id');
  return error;
}
