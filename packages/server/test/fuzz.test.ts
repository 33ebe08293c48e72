import {
  ACCOUNT_CLOSE_CODES,
  type ErrorResponse,
  MAILBOX_ERROR_STATUS,
  type MailboxErrorCode,
} from '@webrtc-connect/protocol';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { accountServer, type TestDevice, tokenFor } from './account-helpers.ts';
import { blob, postOffer, postReply, testServer } from './helpers.ts';

// Bounded, seeded fuzzing: the same inputs every run (set FUZZ_SEED for others), a few
// seconds each. Whatever comes in: no 5xx, every /api error in the documented shape with its
// documented status, no crash, nothing left held.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
const REQUESTS = 3_000;
const FRAMES = 20_000;

const segment = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom('AAAAAAAAAAAAAAAA', 'ZZZZZ', 'ilo01', '%', '%00', '..', '%2e%2e', '~', ''),
  fc.nat({ max: 700 }).map((length) => 'A'.repeat(length)),
);
const json = fc.jsonValue({ maxDepth: 3 });

function requestArbitrary(ids: string[], codes: string[]): fc.Arbitrary<InjectOptions> {
  const id = fc.oneof(fc.constantFrom(...ids), segment);
  const code = fc.oneof(fc.constantFrom(...codes), segment);
  const path = fc.oneof(
    fc.constant('/api/offers'),
    id.map((value) => `/api/offers/${value}`),
    id.map((value) => `/api/offers/${value}/reply`),
    fc.constant('/api/replies'),
    code.map((value) => `/api/replies/${value}`),
    fc.constantFrom('/api/health', '/api/ice-servers', '/api/account', '/api/metrics', '/'),
    fc.array(segment, { maxLength: 4 }).map((parts) => `/api/${parts.join('/')}`),
  );
  const query = fc.oneof(
    fc.constant(''),
    fc.constantFrom('?wait=0', '?wait=1', '?wait=61', '?wait=-1', '?wait=x', '?wait=0&wait=1'),
    fc.string({ maxLength: 30 }).map((text) => `?${encodeURIComponent(text)}=1`),
  );
  const body = fc.oneof(
    fc.constant(undefined),
    json.map((value) => JSON.stringify(value)),
    fc
      .record(
        { sealed: fc.oneof(fc.constant(blob()), json), offerId: fc.oneof(id, json) },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 200 }),
    fc.nat({ max: 10_000 }).map((length) => `{"sealed":"${'A'.repeat(length)}"}`),
  );
  return fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
      path,
      query,
      body,
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        undefined,
      ),
      authorization: fc.oneof(
        fc.constant(undefined),
        fc.string({ maxLength: 40 }).map((token) => `Bearer ${token}`),
        fc.string({ maxLength: 40 }),
      ),
      remoteAddress: fc.constantFrom('203.0.113.1', '203.0.113.2', '2001:db8::1'),
    })
    .map(({ method, path, query, body, contentType, authorization, remoteAddress }) => {
      const headers: Record<string, string> = {};
      if (contentType && body !== undefined) headers['content-type'] = contentType;
      if (authorization !== undefined) headers.authorization = authorization;
      return {
        method: method as InjectOptions['method'],
        url: `${path}${query}`,
        headers,
        remoteAddress,
        ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload: body }),
      } as InjectOptions;
    });
}

describe('fuzzing', () => {
  it(`${REQUESTS} random HTTP requests: no 5xx, every /api error in its documented shape`, async () => {
    const app = await testServer({ rateLimit: false, missLimit: false, maxWaitSeconds: 1 });
    const offers = await Promise.all([1, 2, 3].map(() => postOffer(app)));
    const replies = await Promise.all(
      [0, 1].map((n) => postReply(app, { offerId: offers[n]?.id ?? '' })),
    );
    const requests = fc.sample(
      requestArbitrary(
        offers.map((offer) => offer.id),
        replies.map((reply) => reply.code),
      ),
      { seed: SEED, numRuns: REQUESTS },
    );
    const statuses = new Map<number, number>();
    for (let start = 0; start < requests.length; start += 100) {
      const batch = requests.slice(start, start + 100);
      const responses = await Promise.all(batch.map((request) => app.inject(request)));
      responses.forEach((response, n) => {
        const request = batch[n] as InjectOptions;
        const what = `${request.method} ${String(request.url).slice(0, 80)}`;
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect(response.statusCode, what).toBeLessThan(500);
        const path = String(request.url);
        if (response.statusCode >= 400 && path.startsWith('/api') && request.method !== 'HEAD') {
          const { error } = response.json() as ErrorResponse;
          expect(Object.keys(error).sort(), what).toEqual(['code', 'message']);
          expect(response.statusCode, what).toBe(
            MAILBOX_ERROR_STATUS[error.code as MailboxErrorCode],
          );
        }
      });
    }
    // Many kinds of answers were met, and nothing is left waiting.
    expect(statuses.size).toBeGreaterThan(6);
    const health = (await app.inject({ url: '/api/health' })).json();
    expect(health).toMatchObject({ status: 'ok', waiting: 0 });
  }, 60_000);

  it(`${FRAMES} random account frames: schema-valid answers, documented closes, server unharmed`, async () => {
    // A short hello timeout: a first frame that is not a hello but not wrong either (a ping)
    // waits for it.
    const server = await accountServer({ maxFramesPerSecond: 100_000, helloTimeoutMs: 500 });
    const token = await tokenFor('fuzz');
    const devices: TestDevice[] = await Promise.all([1, 2, 3, 4].map(() => server.join(token)));
    const ids = devices.map((device) => device.id);
    const frame = fc.oneof(
      { weight: 3, arbitrary: json.map((value) => JSON.stringify(value)) },
      {
        weight: 6,
        arbitrary: fc
          .record(
            {
              type: fc.constantFrom('hello', 'ping', 'signal', 'unreachable', 'leave', 'welcome'),
              to: fc.oneof(
                fc.constantFrom(...ids, 'fuzz-broadcaster', 'other-client-1'),
                fc.string(),
              ),
              data: json,
              peer: fc.oneof(fc.constantFrom(...ids, 'fuzz-broadcaster'), fc.string()),
              epoch: fc.oneof(fc.integer(), fc.double(), fc.string()),
              version: fc.oneof(fc.constant(1), fc.integer()),
              token: fc.string({ maxLength: 50 }),
            },
            { requiredKeys: ['type'] },
          )
          .map((value) => JSON.stringify(value)),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
      {
        weight: 1,
        arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      },
    );
    const frames = fc.sample(frame, { seed: SEED, numRuns: FRAMES });
    const documented = new Set<number>(Object.values(ACCOUNT_CLOSE_CODES));
    let replaced = 0;
    for (let start = 0; start < frames.length; start += 500) {
      frames.slice(start, start + 500).forEach((text, n) => {
        const device = devices[n % devices.length];
        if (device?.socket.readyState === device?.socket.OPEN) device?.socket.send(text);
      });
      // Each device's round trip: the server handled its frames; a closed one is replaced.
      for (const [n, device] of devices.entries()) {
        try {
          await device.roundTrip();
          device.discard();
        } catch {
          const { code } = await device.closed;
          expect(documented.has(code), `close ${code}`).toBe(true);
          devices[n] = await server.join(token);
          replaced += 1;
        }
      }
    }
    // A random first frame instead of a hello: refused with a documented close, each time.
    for (const batch of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
      const firsts = frames.slice(batch * 20, batch * 20 + 20);
      const codes = await Promise.all(
        firsts.map(async (text) => {
          const fresh = await server.open();
          fresh.socket.send(text);
          return (await fresh.closed).code;
        }),
      );
      for (const code of codes) expect(documented.has(code), `close ${code}`).toBe(true);
    }
    // The server is whole: a new device joins the same room and a signal still goes through.
    const last = await server.join(token);
    const first = devices[0] as TestDevice;
    first.discard();
    last.send({ type: 'signal', to: first.id, data: { after: 'fuzz' } });
    expect((await first.next('signal', (signal) => signal.from === last.id)).data).toEqual({
      after: 'fuzz',
    });
    expect(replaced).toBeLessThan(FRAMES / 10);
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
  }, 60_000);
});
