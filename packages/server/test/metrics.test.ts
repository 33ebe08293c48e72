import { describe, expect, it } from 'vitest';
import { accountServer, joinAll } from './account-helpers.ts';
import { testServer } from './helpers.ts';

/** One sample of the Prometheus text: the value of `name` with exactly these labels. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((row) => row.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const TOKEN = 'a-metrics-token-of-some-length';
const scrape = { authorization: `Bearer ${TOKEN}` };

describe('GET /api/metrics', () => {
  it('is not served unless asked for', async () => {
    const app = await testServer();
    expect((await app.inject('/api/metrics')).statusCode).toBe(404);
  });

  it('is refused without its bearer token, and the server refuses to start without one', async () => {
    await expect(testServer({ metrics: true })).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
    });
    await expect(testServer({ metrics: true, metricsToken: 'short' })).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
    });
    const app = await testServer({ metrics: true, metricsToken: TOKEN });
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, 'Bearer']) {
      const response = await app.inject({
        url: '/api/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'ERR_UNAUTHORIZED' } });
      expect(response.body).not.toContain('webrtc_connect');
    }
    const scraped = await app.inject({ url: '/api/metrics', headers: scrape });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toContain('webrtc_connect_mailbox_offers');
  });

  it('counts requests by route pattern, the mailbox, sockets, signals and broadcasters', async () => {
    const server = await accountServer({ metrics: true, metricsToken: TOKEN });
    const created = await fetch(`${server.url}/api/offers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sealed: 'c2VhbGVkIG9mZmVy' }),
    });
    const { id } = (await created.json()) as { id: string };
    await fetch(`${server.url}/api/offers/${id}?wait=0`);
    await fetch(`${server.url}/api/offers/AAAAAAAAAAAAAAAA?wait=0`);
    const [first, second] = await joinAll(server, 'metrics', 2);
    second?.send({ type: 'signal', to: 'metrics-broadcaster', data: { ok: true } });
    await first?.next('signal');

    const response = await fetch(`${server.url}/api/metrics`, { headers: scrape });
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const requests = 'webrtc_connect_http_requests_total';
    expect(sample(text, requests, '{method="POST",route="/api/offers",status="201"}')).toBe(1);
    // One pattern for every id: no id becomes a label.
    expect(sample(text, requests, '{method="GET",route="/api/offers/:id",status="200"}')).toBe(1);
    expect(sample(text, requests, '{method="GET",route="/api/offers/:id",status="404"}')).toBe(1);
    expect(text).not.toContain(id);
    expect(sample(text, 'webrtc_connect_mailbox_offers')).toBe(1);
    expect(sample(text, 'webrtc_connect_mailbox_replies')).toBe(0);
    expect(sample(text, 'webrtc_connect_mailbox_waiting')).toBe(0);
    expect(sample(text, 'webrtc_connect_account_sockets')).toBe(2);
    expect(sample(text, 'webrtc_connect_account_signals_total')).toBe(1);
    expect(sample(text, 'webrtc_connect_account_broadcasters_total')).toBe(1);
    expect(sample(text, 'webrtc_connect_process_resident_memory_bytes')).toBeGreaterThan(0);

    first?.kill();
    await second?.next('room');
    const after = await (await fetch(`${server.url}/api/metrics`, { headers: scrape })).text();
    expect(sample(after, 'webrtc_connect_account_broadcasters_total')).toBe(2);
  });
});
