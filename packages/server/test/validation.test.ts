import { MAX_SEALED_BYTES } from '@webrtc-connect/protocol';
import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { blob, failure, postOffer, testServer } from './helpers.ts';

const json = { 'content-type': 'application/json' };
const ofBytes = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64url');

describe('every malformed request gets its own code', () => {
  const cases: Array<[string, InjectOptions, [number, string]]> = [
    [
      'bad JSON',
      { method: 'POST', url: '/api/offers', payload: '{"sealed":', headers: json },
      [400, 'ERR_INVALID_JSON'],
    ],
    [
      'an empty JSON body',
      { method: 'POST', url: '/api/offers', payload: '', headers: json },
      [400, 'ERR_INVALID_BODY'],
    ],
    ['no body', { method: 'POST', url: '/api/offers' }, [400, 'ERR_INVALID_BODY']],
    [
      'a JSON array',
      { method: 'POST', url: '/api/offers', payload: '[]', headers: json },
      [400, 'ERR_INVALID_BODY'],
    ],
    // `{}` is a reservation (offer-reservation.test.ts); a null blob is still no blob.
    [
      'sealed null',
      { method: 'POST', url: '/api/offers', payload: { sealed: null } },
      [400, 'ERR_INVALID_BODY'],
    ],
    [
      'sealed a number',
      { method: 'POST', url: '/api/offers', payload: { sealed: 12345678 } },
      [400, 'ERR_INVALID_BODY'],
    ],
    [
      'sealed empty',
      { method: 'POST', url: '/api/offers', payload: { sealed: '' } },
      [400, 'ERR_INVALID_BODY'],
    ],
    [
      'sealed outside base64url',
      { method: 'POST', url: '/api/offers', payload: { sealed: 'ab+/cd==' } },
      [400, 'ERR_INVALID_BODY'],
    ],
    [
      'sealed of impossible length',
      { method: 'POST', url: '/api/offers', payload: { sealed: 'abcde' } },
      [400, 'ERR_INVALID_BODY'],
    ],
    [
      'sealed with stray low bits',
      { method: 'POST', url: '/api/offers', payload: { sealed: 'AB' } },
      [400, 'ERR_INVALID_BODY'],
    ],
    [
      'an unknown field',
      { method: 'POST', url: '/api/offers', payload: { sealed: blob(), extra: 1 } },
      [400, 'ERR_INVALID_BODY'],
    ],
    [
      'a sealed blob over 4096 bytes',
      { method: 'POST', url: '/api/replies', payload: { sealed: ofBytes(MAX_SEALED_BYTES + 1) } },
      [413, 'ERR_BLOB_TOO_LARGE'],
    ],
    [
      'a body over the body limit',
      { method: 'POST', url: '/api/offers', payload: { sealed: ofBytes(20_000) } },
      [413, 'ERR_BODY_TOO_LARGE'],
    ],
    [
      'XML',
      {
        method: 'POST',
        url: '/api/offers',
        payload: '<sealed/>',
        headers: { 'content-type': 'application/xml' },
      },
      [415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
    ],
    [
      'a malformed offerId',
      { method: 'POST', url: '/api/replies', payload: { sealed: blob(), offerId: 'short' } },
      [400, 'ERR_INVALID_ID'],
    ],
    [
      'a malformed offer id',
      { method: 'GET', url: '/api/offers/not-an-id' },
      [400, 'ERR_INVALID_ID'],
    ],
    [
      'an offer id too long',
      { method: 'GET', url: `/api/offers/${'A'.repeat(17)}` },
      [400, 'ERR_INVALID_ID'],
    ],
    [
      'an unknown offer',
      { method: 'GET', url: '/api/offers/AAAAAAAAAAAAAAAA' },
      [404, 'ERR_NOT_FOUND'],
    ],
    ['a code with U', { method: 'GET', url: '/api/replies/ABCDU' }, [400, 'ERR_INVALID_CODE']],
    ['a code too short', { method: 'GET', url: '/api/replies/ABCD' }, [400, 'ERR_INVALID_CODE']],
    ['a code too long', { method: 'GET', url: '/api/replies/ABCDEFG' }, [400, 'ERR_INVALID_CODE']],
    [
      'a code with punctuation',
      { method: 'GET', url: '/api/replies/AB%2FCD' },
      [400, 'ERR_INVALID_CODE'],
    ],
    ['an unknown code', { method: 'GET', url: '/api/replies/ABCDE' }, [404, 'ERR_NOT_FOUND']],
    ['an unknown route', { method: 'GET', url: '/api/nothing' }, [404, 'ERR_NO_ROUTE']],
    ['a wrong method', { method: 'DELETE', url: '/api/offers' }, [404, 'ERR_NO_ROUTE']],
    [
      'HEAD on a read-once route',
      { method: 'HEAD', url: '/api/replies/ABCDE' },
      [404, 'ERR_NO_ROUTE'],
    ],
  ];

  for (const [name, request, expected] of cases) {
    it(`refuses ${name}`, async () => {
      const app = await testServer();
      const response = await app.inject(request);
      if (request.method === 'HEAD') expect(response.statusCode).toBe(expected[0]);
      else expect(failure(response)).toEqual(expected);
      expect(response.headers['content-type']).toMatch(
        request.method === 'HEAD' ? /.*/ : /^application\/json/,
      );
    });
  }

  it('answers every error in one shape: { error: { code, message } }', async () => {
    const app = await testServer();
    const response = await app.inject({
      method: 'POST',
      url: '/api/offers',
      payload: { sealed: 1 },
    });
    expect(response.json()).toEqual({
      error: { code: 'ERR_INVALID_BODY', message: expect.any(String) },
    });
  });

  it('takes blobs of exactly the largest size', async () => {
    const app = await testServer();
    const offer = await postOffer(app, ofBytes(MAX_SEALED_BYTES));
    const fetched = await app.inject({ method: 'GET', url: `/api/offers/${offer.id}` });
    expect(fetched.json().sealed).toBe(ofBytes(MAX_SEALED_BYTES));
  });

  it('honours a lower configured blob limit', async () => {
    const app = await testServer({ maxSealedBytes: 64 });
    const response = await app.inject({
      method: 'POST',
      url: '/api/offers',
      payload: { sealed: ofBytes(65) },
    });
    expect(failure(response)).toEqual([413, 'ERR_BLOB_TOO_LARGE']);
    await postOffer(app, ofBytes(64));
  });
});

describe('waiting for a reply needs the owner token', () => {
  const waitWith = (id: string, authorization?: string) => ({
    method: 'GET' as const,
    url: `/api/offers/${id}/reply?wait=0`,
    headers: authorization === undefined ? {} : { authorization },
  });

  it('refuses a missing or malformed token with 401 ERR_UNAUTHORIZED', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    for (const authorization of [
      undefined,
      offer.ownerToken,
      `Basic ${offer.ownerToken}`,
      'Bearer x',
    ]) {
      const response = await app.inject(waitWith(offer.id, authorization));
      expect(failure(response)).toEqual([401, 'ERR_UNAUTHORIZED']);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('refuses another offer’s token with 403 ERR_NOT_OWNER', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    const other = await postOffer(app);
    const response = await app.inject(waitWith(offer.id, `Bearer ${other.ownerToken}`));
    expect(failure(response)).toEqual([403, 'ERR_NOT_OWNER']);
  });

  it('refuses a malformed wait with ERR_INVALID_QUERY', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    for (const wait of ['61', '-1', '1.5', 'soon', '']) {
      const response = await app.inject({
        ...waitWith(offer.id, `Bearer ${offer.ownerToken}`),
        url: `/api/offers/${offer.id}/reply?wait=${wait}`,
      });
      expect(failure(response)).toEqual([400, 'ERR_INVALID_QUERY']);
    }
  });
});
