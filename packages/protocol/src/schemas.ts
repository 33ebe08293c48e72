import { MAILBOX_ERROR_CODES } from './errors.ts';
import {
  base64urlLength,
  MAX_RESUME_BLOBS,
  MAX_SEALED_BYTES,
  MAX_WAIT_SECONDS,
  OFFER_ID_LENGTH,
  OWNER_TOKEN_LENGTH,
  RESUME_BOX_ID_LENGTH,
} from './limits.ts';
import { REPLY_CODE_PATTERN } from './reply-code.ts';

/**
 * JSON Schemas (draft-07, as Fastify's Ajv takes them) of every mailbox route. The server
 * validates requests and serialises responses with them; clients may validate with them too.
 */

const BASE64URL_CHAR = '[A-Za-z0-9_-]';

/** A sealed blob: unpadded base64url of 1 to `maxBytes` bytes (never 4n + 1 characters). */
export function sealedSchema(maxBytes: number = MAX_SEALED_BYTES) {
  return {
    type: 'string',
    minLength: 2,
    maxLength: base64urlLength(maxBytes),
    pattern: `^(?:${BASE64URL_CHAR}{4})*(?:${BASE64URL_CHAR}{2,3})?$`,
  } as const;
}

export const offerIdSchema = {
  type: 'string',
  pattern: `^${BASE64URL_CHAR}{${OFFER_ID_LENGTH}}$`,
} as const;

export const resumeBoxIdSchema = {
  type: 'string',
  pattern: `^${BASE64URL_CHAR}{${RESUME_BOX_ID_LENGTH}}$`,
} as const;

/** A resume box's two sides: `a` made the link, `b` opened it. */
export const resumeSideSchema = { type: 'string', enum: ['a', 'b'] } as const;

export const replyCodeSchema = { type: 'string', pattern: REPLY_CODE_PATTERN } as const;

const expiresAtSchema = { type: 'string', format: 'date-time' } as const;

export const errorResponseSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(MAILBOX_ERROR_CODES) },
        message: { type: 'string' },
      },
    },
  },
} as const;

const errors = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;

function object<P extends Record<string, unknown>, R extends readonly (keyof P & string)[]>(
  properties: P,
  required: R,
) {
  return { type: 'object', additionalProperties: false, required, properties } as const;
}

/** The owner's bearer token, which uploading an offer and waiting for its reply need. */
const ownerHeaders = {
  type: 'object',
  required: ['authorization'],
  properties: {
    authorization: {
      type: 'string',
      pattern: `^[Bb]earer ${BASE64URL_CHAR}{${OWNER_TOKEN_LENGTH}}$`,
    },
  },
} as const;

/**
 * `?wait=` of a long-poll, in whole seconds as digits: the query is a string, and the server
 * does not coerce types. Other query parameters (cache busters) are let through.
 */
const waitQuery = {
  type: 'object',
  properties: {
    wait: { type: 'string', pattern: `^(?:[0-9]|[1-5][0-9]|${MAX_WAIT_SECONDS})$` },
  },
} as const;

/**
 * A resume box wait's query: `?wait=` and `?after=`, the highest sequence number the side has
 * processed (digits, at most 15 of them: below 2^53, exact in JSON and in Redis's Lua).
 */
const resumeWaitQuery = {
  type: 'object',
  properties: {
    ...waitQuery.properties,
    after: { type: 'string', pattern: '^(?:0|[1-9][0-9]{0,14})$' },
  },
} as const;

/** Route schemas for a server storing blobs of at most `maxSealedBytes` bytes. */
export function mailboxSchemas(maxSealedBytes: number = MAX_SEALED_BYTES) {
  const sealed = sealedSchema(maxSealedBytes);
  const offerParams = object({ id: offerIdSchema }, ['id']);
  return {
    postOffer: {
      // Without `sealed` the offer is reserved, for `putOffer` to fill.
      body: object({ sealed }, []),
      response: {
        201: object(
          {
            id: offerIdSchema,
            ownerToken: { type: 'string', minLength: OWNER_TOKEN_LENGTH },
            expiresAt: expiresAtSchema,
          },
          ['id', 'ownerToken', 'expiresAt'],
        ),
        ...errors,
      },
    },
    putOffer: {
      params: offerParams,
      headers: ownerHeaders,
      body: object({ sealed }, ['sealed']),
      response: errors,
    },
    withdrawOffer: {
      params: offerParams,
      headers: ownerHeaders,
      response: errors,
    },
    getOffer: {
      params: offerParams,
      querystring: waitQuery,
      response: {
        200: object({ sealed, expiresAt: expiresAtSchema }, ['sealed', 'expiresAt']),
        ...errors,
      },
    },
    waitForReply: {
      params: offerParams,
      headers: ownerHeaders,
      querystring: waitQuery,
      response: { 200: object({ sealed, code: replyCodeSchema }, ['sealed', 'code']), ...errors },
    },
    postReply: {
      body: object({ sealed, offerId: offerIdSchema }, ['sealed']),
      response: {
        201: object({ code: replyCodeSchema, expiresAt: expiresAtSchema }, ['code', 'expiresAt']),
        ...errors,
      },
    },
    getReply: {
      params: object({ code: replyCodeSchema }, ['code']),
      response: { 200: object({ sealed, offerId: offerIdSchema }, ['sealed']), ...errors },
    },
    createResumeBox: {
      body: object({ id: resumeBoxIdSchema }, ['id']),
      response: { 201: object({ expiresAt: expiresAtSchema }, ['expiresAt']), ...errors },
    },
    postResumeSignal: {
      params: object({ id: resumeBoxIdSchema, to: resumeSideSchema }, ['id', 'to']),
      body: object({ sealed }, ['sealed']),
      response: errors,
    },
    takeResumeSignals: {
      params: object({ id: resumeBoxIdSchema, to: resumeSideSchema }, ['id', 'to']),
      querystring: resumeWaitQuery,
      response: {
        200: object(
          {
            sealed: { type: 'array', minItems: 1, maxItems: MAX_RESUME_BLOBS, items: sealed },
            seqs: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_RESUME_BLOBS,
              items: { type: 'integer', minimum: 1 },
            },
            expiresAt: expiresAtSchema,
          },
          ['sealed', 'seqs', 'expiresAt'],
        ),
        ...errors,
      },
    },
    iceServers: {
      response: {
        200: object(
          {
            iceServers: {
              type: 'array',
              items: object(
                {
                  urls: {
                    anyOf: [
                      { type: 'string' },
                      { type: 'array', minItems: 1, items: { type: 'string' } },
                    ],
                  },
                  username: { type: 'string' },
                  credential: { type: 'string' },
                },
                ['urls'],
              ),
            },
            expiresAt: expiresAtSchema,
          },
          ['iceServers'],
        ),
        ...errors,
      },
    },
    health: {
      response: {
        200: object(
          {
            status: { type: 'string', enum: ['ok'] },
            store: { type: 'string' },
            uptimeSeconds: { type: 'number' },
            offers: { type: 'integer' },
            replies: { type: 'integer' },
            waiting: { type: 'integer' },
            link: { type: 'string', enum: ['connected', 'reconnecting'] },
          },
          ['status', 'store', 'uptimeSeconds', 'offers', 'replies', 'waiting'],
        ),
        ...errors,
      },
    },
  } as const;
}

export type MailboxSchemas = ReturnType<typeof mailboxSchemas>;
