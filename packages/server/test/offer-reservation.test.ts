import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthResponse } from '@webrtc-connect/protocol';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import {
  blob,
  failure,
  fakeClock,
  getOffer,
  postOffer,
  postReply,
  reserveOffer,
  testServer,
  uploadOffer,
  waitForReply,
} from './helpers.ts';

async function waiting(app: FastifyInstance): Promise<number> {
  return ((await app.inject({ method: 'GET', url: '/api/health' })).json() as HealthResponse)
    .waiting;
}

describe('reserve, then upload: A shows the link before it has gathered', () => {
  it('reserves an offer id and owner token with POST {}', async () => {
    const app = await testServer();
    const offer = await reserveOffer(app);
    expect(offer.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(offer.ownerToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Date.parse(offer.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('holds B’s GET until the owner uploads, and the upload wakes it at once', async () => {
    const app = await testServer();
    const offer = await reserveOffer(app);
    const started = performance.now();
    const fetched = getOffer(app, offer, 60);
    await vi.waitFor(async () => expect(await waiting(app)).toBe(1));

    const upload = await uploadOffer(app, offer, blob('sealed offer'));
    expect([upload.statusCode, upload.body]).toEqual([204, '']);
    const response = await fetched;
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sealed: blob('sealed offer'), expiresAt: offer.expiresAt });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await waiting(app)).toBe(0);
  });

  it('answers a GET after the upload at once, with or without wait', async () => {
    const app = await testServer();
    const offer = await reserveOffer(app);
    await uploadOffer(app, offer, blob('sealed offer'));
    for (const wait of [undefined, 0, 60]) {
      expect((await getOffer(app, offer, wait)).json()).toMatchObject({
        sealed: blob('sealed offer'),
      });
    }
  });

  it('answers 204 with no body when the wait on a reserved offer ends first', async () => {
    const app = await testServer();
    const offer = await reserveOffer(app);
    const immediate = await getOffer(app, offer, 0);
    expect([immediate.statusCode, immediate.body]).toEqual([204, '']);
    expect(await waiting(app)).toBe(0);
  });

  it('waits the default when the GET names no wait', async () => {
    // The default is cut to the longest wait, here one second, so the test stays short.
    const app = await testServer({ maxWaitSeconds: 1 });
    const offer = await reserveOffer(app);
    const started = performance.now();
    const response = await getOffer(app, offer);
    expect([response.statusCode, response.body]).toEqual([204, '']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('takes the upload once: a second PUT is 409 ERR_OFFER_ALREADY_SET, and the first stays', async () => {
    const app = await testServer();
    const offer = await reserveOffer(app);
    expect((await uploadOffer(app, offer, blob('first'))).statusCode).toBe(204);
    expect(failure(await uploadOffer(app, offer, blob('second')))).toEqual([
      409,
      'ERR_OFFER_ALREADY_SET',
    ]);
    expect((await getOffer(app, offer)).json()).toMatchObject({ sealed: blob('first') });

    // An offer stored in one step has its blob already.
    const posted = await postOffer(app);
    expect(failure(await uploadOffer(app, posted))).toEqual([409, 'ERR_OFFER_ALREADY_SET']);
  });

  it('lets only the owner upload', async () => {
    const app = await testServer();
    const offer = await reserveOffer(app);
    const other = await reserveOffer(app);
    expect(failure(await uploadOffer(app, offer, blob(), other.ownerToken))).toEqual([
      403,
      'ERR_NOT_OWNER',
    ]);
    const anonymous = await app.inject({
      method: 'PUT',
      url: `/api/offers/${offer.id}`,
      payload: { sealed: blob() },
    });
    expect(failure(anonymous)).toEqual([401, 'ERR_UNAUTHORIZED']);
    // Still reserved: the owner's upload goes through.
    expect((await uploadOffer(app, offer)).statusCode).toBe(204);
  });

  it('refuses uploads to unknown or expired offers, and malformed uploads', async () => {
    const clock = fakeClock();
    const app = await testServer({ clock: clock.now, offerTtlMs: 60_000 });
    const offer = await reserveOffer(app);
    const unknown = { ...offer, id: 'AAAAAAAAAAAAAAAA' };
    expect(failure(await uploadOffer(app, unknown))).toEqual([404, 'ERR_NOT_FOUND']);
    for (const [payload, expected] of [
      [{}, [400, 'ERR_INVALID_BODY']],
      [{ sealed: blob(), extra: 1 }, [400, 'ERR_INVALID_BODY']],
      [{ sealed: 'abcde' }, [400, 'ERR_INVALID_BODY']],
      [{ sealed: Buffer.alloc(4097).toString('base64url') }, [413, 'ERR_BLOB_TOO_LARGE']],
    ] as const) {
      const response = await app.inject({
        method: 'PUT',
        url: `/api/offers/${offer.id}`,
        headers: { authorization: `Bearer ${offer.ownerToken}` },
        payload,
      });
      expect(failure(response)).toEqual(expected);
    }
    for (const wait of ['61', '-1', 'soon']) {
      expect(failure(await getOffer(app, offer, wait))).toEqual([400, 'ERR_INVALID_QUERY']);
    }
    clock.advance(60_000);
    expect(failure(await uploadOffer(app, offer))).toEqual([410, 'ERR_EXPIRED']);
    expect(failure(await getOffer(app, offer, 0))).toEqual([410, 'ERR_EXPIRED']);
  });

  it('refuses a reply to an offer not uploaded yet with 409 ERR_OFFER_NOT_SET', async () => {
    const app = await testServer();
    const offer = await reserveOffer(app);
    const reply = await app.inject({
      method: 'POST',
      url: '/api/replies',
      payload: { sealed: blob('an answer'), offerId: offer.id },
    });
    expect(failure(reply)).toEqual([409, 'ERR_OFFER_NOT_SET']);
    await uploadOffer(app, offer);
    await postReply(app, { offerId: offer.id });
  });

  it('carries the whole exchange: A waits for the reply while B waits for the offer', async () => {
    const app = await testServer();
    const offer = await reserveOffer(app);
    const ownReply = waitForReply(app, offer, 60);
    const fetched = getOffer(app, offer, 60);
    await vi.waitFor(async () => expect(await waiting(app)).toBe(2));

    await uploadOffer(app, offer, blob('sealed offer'));
    expect((await fetched).json()).toMatchObject({ sealed: blob('sealed offer') });
    const { code } = await postReply(app, { sealed: blob('sealed answer'), offerId: offer.id });
    expect((await ownReply).json()).toEqual({ sealed: blob('sealed answer'), code });
  });
});

describe('waiting for a reserved offer', () => {
  it('shares the waiter limit with reply waits, and an uploaded offer takes no place', async () => {
    const app = await testServer({ maxWaiters: 1 });
    const offer = await reserveOffer(app);
    const first = getOffer(app, offer, 30);
    await vi.waitFor(async () => expect(await waiting(app)).toBe(1));
    expect(failure(await getOffer(app, offer, 30))).toEqual([503, 'ERR_TOO_MANY_WAITERS']);
    expect(failure(await waitForReply(app, offer, 30))).toEqual([503, 'ERR_TOO_MANY_WAITERS']);
    const posted = await postOffer(app, blob('one step'));
    expect((await getOffer(app, posted, 30)).json()).toMatchObject({ sealed: blob('one step') });

    await uploadOffer(app, offer);
    expect((await first).statusCode).toBe(200);
  });

  it('forgets a waiter whose client disconnects', async () => {
    const app = await testServer();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const offer = await reserveOffer(app);
    // node:http rather than fetch: fetch's pool may open a spare socket that outlives the test.
    const request = httpGet(
      {
        host: '127.0.0.1',
        port: (app.server.address() as AddressInfo).port,
        path: `/api/offers/${offer.id}?wait=60`,
        agent: false,
      },
      () => expect.fail('the request was cut before any response'),
    );
    request.on('error', () => {});
    await vi.waitFor(async () => expect(await waiting(app)).toBe(1));
    request.destroy();
    await vi.waitFor(async () => expect(await waiting(app)).toBe(0));
  });

  it('ends with 204 when the server closes, so closing is quick', async () => {
    const app = await testServer();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const offer = await reserveOffer(app);
    const fetched = fetch(`${base}/api/offers/${offer.id}?wait=60`);
    await vi.waitFor(async () => expect(await waiting(app)).toBe(1));
    const started = performance.now();
    await app.close();
    expect((await fetched).status).toBe(204);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('withdraw: A closes its link, and B hears so at once', () => {
  const withdraw = (app: FastifyInstance, id: string, ownerToken?: string) =>
    app.inject({
      method: 'DELETE',
      url: `/api/offers/${id}`,
      ...(ownerToken === undefined ? {} : { headers: { authorization: `Bearer ${ownerToken}` } }),
    });

  it("ends B's wait for a reserved offer and A's wait for the reply with 410 ERR_OFFER_WITHDRAWN", async () => {
    const app = await testServer();
    const offer = await reserveOffer(app);
    const fetched = getOffer(app, offer, 60);
    const ownReply = waitForReply(app, offer, 60);
    await vi.waitFor(async () => expect(await waiting(app)).toBe(2));

    const withdrawn = await withdraw(app, offer.id, offer.ownerToken);
    expect([withdrawn.statusCode, withdrawn.body]).toEqual([204, '']);
    expect(failure(await fetched)).toEqual([410, 'ERR_OFFER_WITHDRAWN']);
    expect(failure(await ownReply)).toEqual([410, 'ERR_OFFER_WITHDRAWN']);
    expect(await waiting(app)).toBe(0);
    expect(failure(await getOffer(app, offer))).toEqual([410, 'ERR_OFFER_WITHDRAWN']);
    expect(failure(await uploadOffer(app, offer))).toEqual([410, 'ERR_OFFER_WITHDRAWN']);
    expect(failure(await withdraw(app, offer.id, offer.ownerToken))).toEqual([
      410,
      'ERR_OFFER_WITHDRAWN',
    ]);
  });

  it("refuses B's answer to a withdrawn offer", async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    expect((await withdraw(app, offer.id, offer.ownerToken)).statusCode).toBe(204);
    const answer = await app.inject({
      method: 'POST',
      url: '/api/replies',
      payload: { sealed: blob('a reply'), offerId: offer.id },
    });
    expect(failure(answer)).toEqual([410, 'ERR_OFFER_WITHDRAWN']);
  });

  it('lets only the owner withdraw', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    const other = await postOffer(app);
    expect(failure(await withdraw(app, offer.id, other.ownerToken))).toEqual([
      403,
      'ERR_NOT_OWNER',
    ]);
    expect(failure(await withdraw(app, offer.id))).toEqual([401, 'ERR_UNAUTHORIZED']);
    expect(failure(await withdraw(app, 'AAAAAAAAAAAAAAAA', offer.ownerToken))).toEqual([
      404,
      'ERR_NOT_FOUND',
    ]);
    expect((await getOffer(app, offer)).statusCode).toBe(200);
  });
});
