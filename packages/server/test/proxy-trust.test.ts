import type { ServerOptions } from '@webrtc-connect/server';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { accountServer } from './account-helpers.ts';
import { postOffer, postReply, testServer } from './helpers.ts';
import { rawExchange } from './raw-http.ts';

const PROXY = '10.0.0.2';
const ATTACKER = '203.0.113.66';
const OTHER_CLIENT = '203.0.113.67';
const json = { 'content-type': 'application/json' };

/** 30 unknown reply codes, each under a fresh spoofed address in the header `forwarded(n)`. */
async function guessCodes(
  app: FastifyInstance,
  remoteAddress: string,
  forwarded: (n: number) => string,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let n = 1; n <= 30; n += 1) {
    const response = await app.inject({
      url: `/api/replies/Z${String(n).padStart(4, '0')}`,
      remoteAddress,
      headers: { 'x-forwarded-for': forwarded(n) },
    });
    statuses.push(response.statusCode);
  }
  return statuses;
}

const tenMisses = [...Array(10).fill(404), ...Array(20).fill(429)];

describe('--trust-proxy', () => {
  it('with one hop, limits a spoofed x-forwarded-for brute force to the miss limit of the real address (nginx form)', async () => {
    const app = await testServer({ trustProxy: 1 });
    // nginx's $proxy_add_x_forwarded_for: what the client wrote, then the address nginx saw.
    expect(await guessCodes(app, PROXY, (n) => `198.51.100.${n}, ${ATTACKER}`)).toEqual(tenMisses);
    // Several spoofed entries change nothing: only the hop nginx added counts.
    expect(
      await guessCodes(app, PROXY, (n) => `198.51.100.${n}, 192.0.2.${n}, ${ATTACKER}`),
    ).toEqual(Array(30).fill(429));
    // Blocked, the attacker is refused even a right code; another client is not blocked.
    const offer = await postOffer(app);
    const { code } = await postReply(app, { offerId: offer.id });
    const right = await app.inject({
      url: `/api/replies/${code}`,
      remoteAddress: PROXY,
      headers: { 'x-forwarded-for': `198.51.100.99, ${ATTACKER}` },
    });
    expect(right.statusCode).toBe(429);
    const other = await app.inject({
      url: `/api/replies/${code}`,
      remoteAddress: PROXY,
      headers: { 'x-forwarded-for': `198.51.100.99, ${OTHER_CLIENT}` },
    });
    expect(other.statusCode).toBe(200);
  });

  it("with one hop, limits the spoofed header sent plain beside the proxy's own line", async () => {
    // The client's header passed on as written, the proxy's entry on a line of its own (as
    // HAProxy's `option forwardfor` adds it): Node joins the two lines with a comma.
    const server = await accountServer({ trustProxy: 1, jwt: null });
    const statuses: number[] = [];
    for (let n = 1; n <= 30; n += 1) {
      const answer = await rawExchange(
        server.url,
        `GET /api/replies/Y${String(n).padStart(4, '0')} HTTP/1.1\r\n` +
          'host: mailbox.example\r\n' +
          `x-forwarded-for: 198.51.100.${n}\r\n` +
          `x-forwarded-for: ${ATTACKER}\r\n` +
          'connection: close\r\n\r\n',
      );
      statuses.push(answer?.status ?? 0);
    }
    expect(statuses).toEqual(tenMisses);
  });

  it("with the proxy's address, ignores the header of a client that reaches the server directly", async () => {
    const app = await testServer({ trustProxy: [PROXY] });
    expect(await guessCodes(app, ATTACKER, (n) => `198.51.100.${n}`)).toEqual(tenMisses);
    // Through the listed proxy, the address it saw counts (nginx form).
    expect(await guessCodes(app, PROXY, (n) => `198.51.100.${n}, ${OTHER_CLIENT}`)).toEqual(
      tenMisses,
    );
    const cidr = await testServer({ trustProxy: '10.0.0.0/8' });
    expect(await guessCodes(cidr, PROXY, (n) => `198.51.100.${n}, ${ATTACKER}`)).toEqual(tenMisses);
  });

  it('holds the general request limit the same way', async () => {
    const options: ServerOptions = { trustProxy: 1, rateLimit: { max: 5, windowMs: 60_000 } };
    const app = await testServer(options);
    const statuses: number[] = [];
    for (let n = 1; n <= 8; n += 1) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/offers',
        payload: '{}',
        headers: { ...json, 'x-forwarded-for': `198.51.100.${n}, ${ATTACKER}` },
        remoteAddress: PROXY,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
  });
});
