import { ACCOUNT_ERROR_CODES } from './account-errors.ts';
import {
  MAX_DEVICE_ID_LENGTH,
  MAX_TOKEN_LENGTH,
  USER_ID_PATTERN,
  USER_NAME_PATTERN,
} from './account-limits.ts';
import { errorResponseSchema } from './schemas.ts';

/**
 * JSON Schemas (draft-07) of every account frame. The server validates each device frame with
 * the schema of its `type` (no coercion, no extra fields); clients may validate server frames.
 * Size limits the schemas cannot express (a signal's data) are checked in code.
 */

const deviceIdSchema = { type: 'string', minLength: 1, maxLength: MAX_DEVICE_ID_LENGTH } as const;
const epochSchema = { type: 'integer', minimum: 1 } as const;

function frame<P extends Record<string, unknown>, R extends readonly (keyof P & string)[]>(
  type: string,
  properties: P,
  required: R,
) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type', ...required],
    properties: { type: { const: type }, ...properties },
  } as const;
}

export const deviceFrameSchemas = {
  hello: frame(
    'hello',
    {
      version: { type: 'integer', minimum: 1 },
      token: { type: 'string', maxLength: MAX_TOKEN_LENGTH },
    },
    ['version', 'token'],
  ),
  // data: any JSON; its size is checked after parsing.
  signal: frame('signal', { to: deviceIdSchema, data: {} }, ['to', 'data']),
  ping: frame('ping', {}, []),
  unreachable: frame('unreachable', { peer: deviceIdSchema, epoch: epochSchema }, [
    'peer',
    'epoch',
  ]),
  leave: frame('leave', {}, []),
} as const;

export type DeviceFrameType = keyof typeof deviceFrameSchemas;

const roomView = {
  epoch: { type: 'integer', minimum: 0 },
  broadcaster: { type: ['string', 'null'] },
  members: {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'joinedAt', 'role'],
      properties: {
        id: deviceIdSchema,
        joinedAt: { type: 'string', format: 'date-time' },
        role: { enum: ['broadcaster', 'client'] },
      },
    },
  },
} as const;

export const serverFrameSchemas = {
  welcome: frame(
    'welcome',
    {
      ...roomView,
      id: deviceIdSchema,
      user: { type: 'string', pattern: USER_ID_PATTERN },
      heartbeatMs: { type: 'integer', minimum: 1 },
      idleHeartbeatMs: { type: 'integer', minimum: 1 },
      tokenExpiresAt: { type: 'string', format: 'date-time' },
    },
    ['id', 'user', 'epoch', 'broadcaster', 'members', 'heartbeatMs'],
  ),
  room: frame('room', roomView, ['epoch', 'broadcaster', 'members']),
  signal: frame('signal', { from: deviceIdSchema, epoch: epochSchema, data: {} }, [
    'from',
    'epoch',
    'data',
  ]),
  pong: frame('pong', {}, []),
  error: frame(
    'error',
    { code: { enum: Object.keys(ACCOUNT_ERROR_CODES) }, message: { type: 'string' } },
    ['code', 'message'],
  ),
} as const;

/** `POST /api/dev/sign-in` */
export const devSignInSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string', pattern: USER_NAME_PATTERN } },
  },
  response: {
    200: {
      type: 'object',
      additionalProperties: false,
      required: ['token', 'user', 'expiresAt'],
      properties: {
        token: { type: 'string' },
        user: { type: 'string' },
        expiresAt: { type: 'string', format: 'date-time' },
      },
    },
    '4xx': errorResponseSchema,
    '5xx': errorResponseSchema,
  },
} as const;
