import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthResponse } from '@webrtc-connect/protocol';
import { describe, expect, it, vi } from 'vitest';
import { blob, failure, postOffer, postReply, testServer, waitForReply } from './helpers.ts';

describe('offer → reply → owner', () => {
  it('hands B the offer, A the reply, and B a reply code', async () => {
    const app = await testServer();
    const offer = await postOffer(app, blob('sealed offer'));
    expect(offer.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(offer.ownerToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Date.parse(offer.expiresAt)).toBeGreaterThan(Date.now());

    const fetched = await app.inject({ method: 'GET', url: `/api/offers/${offer.id}` });
    expect(fetched.json()).toEqual({ sealed: blob('sealed offer'), expiresAt: offer.expiresAt });

    const { code } = await postReply(app, { sealed: blob('sealed answer'), offerId: offer.id });
    const own = await waitForReply(app, offer);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toEqual({ sealed: blob('sealed answer'), code });
  });

  it('keeps the offer readable for B until it expires, answered or not', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    await postReply(app, { offerId: offer.id });
    for (let read = 0; read < 3; read += 1) {
      const fetched = await app.inject({ method: 'GET', url: `/api/offers/${offer.id}` });
      expect(fetched.statusCode).toBe(200);
    }
  });
});

describe('long-poll for the reply', () => {
  it('wakes the waiting owner as soon as the reply is posted, long before its wait ends', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    const started = performance.now();
    const waiting = waitForReply(app, offer, 60);
    await vi.waitFor(async () => expect(await health(app)).toMatchObject({ waiting: 1 }));

    const { code } = await postReply(app, { sealed: blob('pushed'), offerId: offer.id });
    const own = await waiting;
    expect(own.statusCode).toBe(200);
    expect(own.json()).toEqual({ sealed: blob('pushed'), code });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await health(app)).toMatchObject({ waiting: 0 });
  });

  it('answers 204 with no body when the wait ends first', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    const immediate = await waitForReply(app, offer, 0);
    expect([immediate.statusCode, immediate.body]).toEqual([204, '']);

    const started = performance.now();
    const timedOut = await waitForReply(app, offer, 1);
    expect([timedOut.statusCode, timedOut.body]).toEqual([204, '']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(await health(app)).toMatchObject({ waiting: 0 });
  });

  it('cuts waits to the configured longest', async () => {
    const app = await testServer({ maxWaitSeconds: 1 });
    const offer = await postOffer(app);
    const started = performance.now();
    expect((await waitForReply(app, offer, 60)).statusCode).toBe(204);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('gives the reply to one waiter only when the owner waits twice', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    const first = waitForReply(app, offer, 30);
    const second = waitForReply(app, offer, 30);
    await vi.waitFor(async () => expect(await health(app)).toMatchObject({ waiting: 2 }));
    await postReply(app, { offerId: offer.id });
    const statuses = (await Promise.all([first, second])).map((response) => failure(response));
    expect(statuses).toContainEqual([200, undefined]);
    expect(statuses).toContainEqual([410, 'ERR_REPLY_ALREADY_READ']);
  });

  it('forgets a waiter whose client disconnects', async () => {
    const app = await testServer();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const offer = await postOffer(app);
    // node:http rather than fetch: fetch's pool may open a spare socket that outlives the test.
    const request = httpGet(
      {
        host: '127.0.0.1',
        port: (app.server.address() as AddressInfo).port,
        path: `/api/offers/${offer.id}/reply?wait=60`,
        headers: { authorization: `Bearer ${offer.ownerToken}` },
        agent: false,
      },
      () => expect.fail('the request was cut before any response'),
    );
    request.on('error', () => {});
    await vi.waitFor(async () => expect(await health(app)).toMatchObject({ waiting: 1 }));
    request.destroy();
    await vi.waitFor(async () => expect(await health(app)).toMatchObject({ waiting: 0 }));

    // The reply is still there for the owner's next poll.
    const { code } = await postReply(app, { offerId: offer.id });
    expect((await waitForReply(app, offer)).json()).toMatchObject({ code });
  });

  it('ends waiting long-polls with 204 when the server closes, so closing is quick', async () => {
    const app = await testServer();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const offer = await postOffer(app);
    const waiting = fetch(`${base}/api/offers/${offer.id}/reply?wait=60`, {
      headers: { authorization: `Bearer ${offer.ownerToken}` },
    });
    await vi.waitFor(async () => expect(await health(app)).toMatchObject({ waiting: 1 }));
    const started = performance.now();
    await app.close();
    expect((await waiting).status).toBe(204);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('health', () => {
  it('tells operators the store and how full it is', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    await postReply(app, { offerId: offer.id });
    await postReply(app);
    const response = await app.inject({ method: 'GET', url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      store: 'memory',
      uptimeSeconds: expect.any(Number),
      offers: 1,
      replies: 2,
      waiting: 0,
    });
  });
});

async function health(app: Awaited<ReturnType<typeof testServer>>): Promise<HealthResponse> {
  return (await app.inject({ method: 'GET', url: '/api/health' })).json();
}
