import { ACCOUNT_ERROR_CODES } from './account-errors.ts';
import {
  MAX_DEVICE_ID_LENGTH,
  MAX_TOKEN_LENGTH,
  USER_ID_PATTERN,
  USER_NAME_PATTERN,
} from './account-limits.ts';
import { DEVICE_KEY_COORDINATE_PATTERN } from './device-proof.ts';
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

const coordinateSchema = { type: 'string', pattern: DEVICE_KEY_COORDINATE_PATTERN } as const;
const base64urlSchema = (maxLength: number) =>
  ({ type: 'string', minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$' }) as const;

/** A device key as the hello carries it: an ECDSA P-256 public JWK, its naming members only. */
export const devicePublicKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kty', 'crv', 'x', 'y'],
  properties: {
    kty: { const: 'EC' },
    crv: { const: 'P-256' },
    x: coordinateSchema,
    y: coordinateSchema,
  },
} as const;

export const deviceFrameSchemas = {
  hello: frame(
    'hello',
    {
      version: { type: 'integer', minimum: 1 },
      token: { type: 'string', maxLength: MAX_TOKEN_LENGTH },
      // Checked in code for its own code (ERR_DEVICE_KEY): any value passes the frame's schema.
      deviceKey: {},
    },
    ['version', 'token'],
  ),
  // 64 bytes of r and s: 86 base64url characters; a little room for other encodings.
  proof: frame('proof', { signature: base64urlSchema(200) }, ['signature']),
  // data: any JSON; its size is checked after parsing.
  signal: frame('signal', { to: deviceIdSchema, data: {} }, ['to', 'data']),
  ping: frame('ping', {}, []),
  unreachable: frame('unreachable', { peer: deviceIdSchema, epoch: epochSchema }, [
    'peer',
    'epoch',
  ]),
  leave: frame('leave', { forget: { type: 'boolean' } }, []),
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
  challenge: frame(
    'challenge',
    {
      nonce: base64urlSchema(100),
      user: { type: 'string', pattern: USER_ID_PATTERN },
      context: { type: 'string', minLength: 1, maxLength: 200 },
    },
    ['nonce', 'user', 'context'],
  ),
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
