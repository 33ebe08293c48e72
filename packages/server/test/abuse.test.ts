import type { InjectOptions } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import {
  blob,
  failure,
  fakeClock,
  postOffer,
  postReply,
  testServer,
  waitForReply,
} from './helpers.ts';

const ATTACKER = '203.0.113.66';
const PERSON = '198.51.100.7';
const json = { 'content-type': 'application/json' };

/** A spread of bad requests: broken JSON, bad fields, bad ids and codes, huge bodies, no route. */
function badRequest(i: number): InjectOptions {
  const requests: InjectOptions[] = [
    { method: 'POST', url: '/api/offers', payload: `{"sealed":"${i}`, headers: json },
    {
      method: 'POST',
      url: '/api/offers',
      payload: '{"__proto__":{"polluted":1},"sealed":"AAAA"}',
      headers: json,
    },
    { method: 'POST', url: '/api/replies', payload: { sealed: 'x'.repeat(9000) } },
    { method: 'POST', url: '/api/replies', payload: { sealed: i } },
    { method: 'GET', url: `/api/offers/${'%'.repeat(i % 50)}` },
    { method: 'GET', url: `/api/replies/${'U'.repeat(5)}` },
    { method: 'GET', url: `/api/offers/AAAAAAAAAAAAAAAA/reply?wait=${i}` },
    { method: 'PUT', url: `/${'a'.repeat(i % 3000)}` },
  ];
  return { ...(requests[i % requests.length] as InjectOptions), remoteAddress: ATTACKER };
}

describe('floods', () => {
  it('leave the server serving good requests from other clients', async () => {
    const app = await testServer();
    // 200 guessed codes, then 2,000 malformed requests, 100 at a time.
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2_200; i += 100) {
      const batch = Array.from({ length: 100 }, (_, j) =>
        i + j < 200
          ? {
              method: 'GET' as const,
              url: `/api/replies/${(10_000 + i + j).toString(32).toUpperCase()}`,
              remoteAddress: ATTACKER,
            }
          : badRequest(i + j),
      );
      for (const response of await Promise.all(batch.map((request) => app.inject(request)))) {
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
      }
    }
    // The attacker was cut off (general limit 600 a minute), and never created anything.
    expect(statuses.get(429)).toBeGreaterThan(1_500);
    expect({} as Record<string, unknown>).not.toHaveProperty('polluted');

    const offer = await postOffer(app, blob('good offer'), PERSON);
    const { code } = await postReply(app, { offerId: offer.id }, PERSON);
    const read = await app.inject({
      method: 'GET',
      url: `/api/replies/${code}`,
      remoteAddress: PERSON,
    });
    expect(read.statusCode).toBe(200);
    const health = (await app.inject({ url: '/api/health', remoteAddress: PERSON })).json();
    expect(health).toMatchObject({ status: 'ok', offers: 1, replies: 0, waiting: 0 });
  });

  it('answer 429 with retry-after once a client passes the general limit', async () => {
    const app = await testServer({ rateLimit: { max: 5, windowMs: 60_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      statuses.push((await app.inject({ url: '/api/health', remoteAddress: ATTACKER })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await app.inject({ url: '/api/health', remoteAddress: ATTACKER });
    expect(failure(limited)).toEqual([429, 'ERR_RATE_LIMITED']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject({ url: '/api/health', remoteAddress: PERSON })).statusCode).toBe(200);
  });
});

describe('guessing reply codes', () => {
  it('is cut off after 10 misses a minute, even for a right guess, for that client only', async () => {
    const app = await testServer();
    const { code } = await postReply(app, { sealed: blob('the real one') }, PERSON);
    const unknown = code === 'ZZZZZ' ? 'YYYYY' : 'ZZZZZ';
    for (let miss = 0; miss < 10; miss += 1) {
      const response = await app.inject({
        url: `/api/replies/${unknown}`,
        remoteAddress: ATTACKER,
      });
      expect(failure(response)).toEqual([404, 'ERR_NOT_FOUND']);
    }
    const blocked = await app.inject({ url: `/api/replies/${code}`, remoteAddress: ATTACKER });
    expect(failure(blocked)).toEqual([429, 'ERR_RATE_LIMITED']);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);

    const read = await app.inject({ url: `/api/replies/${code}`, remoteAddress: PERSON });
    expect(read.json()).toEqual({ sealed: blob('the real one') });
  });

  it('does not count reads of real codes, used or not, as misses', async () => {
    const app = await testServer({ missLimit: { max: 2, windowMs: 60_000 } });
    for (let i = 0; i < 5; i += 1) {
      const { code } = await postReply(app);
      for (let read = 0; read < 2; read += 1) {
        await app.inject({ url: `/api/replies/${code}`, remoteAddress: PERSON });
      }
    }
    const { code } = await postReply(app);
    expect(
      (await app.inject({ url: `/api/replies/${code}`, remoteAddress: PERSON })).statusCode,
    ).toBe(200);
  });
});

describe('bounded memory', () => {
  it('refuses offers and replies beyond the configured number with 503 ERR_MAILBOX_FULL, until some expire', async () => {
    const clock = fakeClock();
    const app = await testServer({
      clock: clock.now,
      maxOffers: 2,
      maxReplies: 2,
      offerTtlMs: 60_000,
    });
    await postOffer(app);
    await postOffer(app);
    const offer = await app.inject({
      method: 'POST',
      url: '/api/offers',
      payload: { sealed: blob() },
    });
    expect(failure(offer)).toEqual([503, 'ERR_MAILBOX_FULL']);
    expect(Number(offer.headers['retry-after'])).toBeGreaterThan(0);
    await postReply(app);
    await postReply(app);
    const reply = await app.inject({
      method: 'POST',
      url: '/api/replies',
      payload: { sealed: blob() },
    });
    expect(failure(reply)).toEqual([503, 'ERR_MAILBOX_FULL']);

    clock.advance(60_000);
    await postOffer(app);
    await postReply(app);
  });

  it('refuses long-polls beyond the configured number with 503 ERR_TOO_MANY_WAITERS', async () => {
    const app = await testServer({ maxWaiters: 1 });
    const offer = await postOffer(app);
    const first = waitForReply(app, offer, 30);
    await vi.waitFor(async () =>
      expect((await app.inject('/api/health')).json()).toMatchObject({ waiting: 1 }),
    );
    expect(failure(await waitForReply(app, offer, 30))).toEqual([503, 'ERR_TOO_MANY_WAITERS']);
    await postReply(app, { offerId: offer.id });
    expect((await first).statusCode).toBe(200);
  });
});
