import type { ServerOptions } from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';
import { accountServer } from './account-helpers.ts';
import { blob, failure, testServer } from './helpers.ts';
import { answerOf, openSocket, type RawAnswer } from './raw-http.ts';

const json = { 'content-type': 'application/json' };

/** The HTTP status and the error code of a raw answer (0 when none came). */
function statusAndCode(answer: RawAnswer | undefined): [number, string | undefined] {
  if (!answer) return [0, undefined];
  return [answer.status, (JSON.parse(answer.body) as { error: { code: string } }).error.code];
}

async function health(url: string): Promise<number> {
  return (await fetch(`${url}/api/health`)).status;
}

describe('a request that arrives too slowly', () => {
  it('is cut with 408 while a longer long-poll, whose request arrived, is still answered', async () => {
    // A short timeout so the test is quick; the long-poll waits far longer (45 s).
    const server = await accountServer({ jwt: null, requestTimeoutMs: 1_000 });
    const events: string[] = [];
    const reserved = await fetch(`${server.url}/api/offers`, {
      method: 'POST',
      headers: json,
      body: '{}',
    });
    const offer = (await reserved.json()) as { id: string; ownerToken: string };
    const longPoll = fetch(`${server.url}/api/offers/${offer.id}?wait=45`).then(
      async (response) => {
        events.push(`long-poll ${response.status}`);
        return response.json();
      },
    );

    // A body that trickles: one byte of a promised hundred, then nothing.
    const slowBody = await openSocket(server.url);
    const slowBodyAnswer = answerOf(slowBody).then((answer) => {
      events.push('slow body cut');
      return answer;
    });
    slowBody.write(
      'POST /api/replies HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{',
    );
    // Headers that never end.
    const slowHeaders = await openSocket(server.url);
    const slowHeadersAnswer = answerOf(slowHeaders).then((answer) => {
      events.push('slow headers cut');
      return answer;
    });
    slowHeaders.write('GET /api/health HTTP/1.1\r\nhost: x\r\n');

    expect(statusAndCode(await slowBodyAnswer)).toEqual([408, 'ERR_REQUEST_TIMEOUT']);
    expect(statusAndCode(await slowHeadersAnswer)).toEqual([408, 'ERR_REQUEST_TIMEOUT']);
    expect(events).not.toContain('long-poll 200');
    // The long-poll is still held: the upload now reaches it.
    const upload = await fetch(`${server.url}/api/offers/${offer.id}`, {
      method: 'PUT',
      headers: { ...json, authorization: `Bearer ${offer.ownerToken}` },
      body: JSON.stringify({ sealed: blob('the offer') }),
    });
    expect(upload.status).toBe(204);
    expect(await longPoll).toMatchObject({ sealed: blob('the offer') });
    expect(events.at(-1)).toBe('long-poll 200');
    expect(events).toHaveLength(3);
  });

  it('keeps an idle keep-alive connection only for the keep-alive timeout', async () => {
    const server = await accountServer({ jwt: null, keepAliveTimeoutMs: 300 });
    const socket = await openSocket(server.url);
    const answer = answerOf(socket);
    socket.write('GET /api/health HTTP/1.1\r\nhost: x\r\n\r\n');
    // The server answers, keeps the connection a moment, then closes it by itself.
    expect((await answer)?.status).toBe(200);
  });
});

describe('connection caps', () => {
  it('refuse connections beyond the cap of one address, with a clear answer, until one ends', async () => {
    const server = await accountServer({ jwt: null, maxConnectionsPerAddress: 3 });
    const held = await Promise.all([1, 2, 3].map(() => openSocket(server.url)));
    const refused = await openSocket(server.url);
    expect(statusAndCode(await answerOf(refused))).toEqual([429, 'ERR_TOO_MANY_CONNECTIONS']);
    const closed = new Promise((resolve) => held[0]?.once('close', resolve));
    held[0]?.destroy();
    await closed;
    await expect.poll(() => health(server.url).catch(() => 0)).toBe(200);
    for (const socket of held) socket.destroy();
  });

  it('refuse connections beyond the cap of the instance with 503 ERR_SERVER_BUSY', async () => {
    const server = await accountServer({ jwt: null, maxConnections: 2 });
    const held = await Promise.all([1, 2].map(() => openSocket(server.url)));
    const refused = await openSocket(server.url);
    const answer = await answerOf(refused);
    expect(statusAndCode(answer)).toEqual([503, 'ERR_SERVER_BUSY']);
    expect(answer?.headers['retry-after']).toBe('5');
    for (const socket of held) socket.destroy();
  });

  it('through a trusted proxy, cap the requests one client address holds at once', async () => {
    const options: ServerOptions = { trustProxy: 1, maxConnectionsPerAddress: 2 };
    const app = await testServer(options);
    const reserve = await app.inject({ method: 'POST', url: '/api/offers', payload: {} });
    const { id } = reserve.json() as { id: string };
    const from = (client: string) => ({
      url: `/api/offers/${id}?wait=30`,
      remoteAddress: '10.0.0.2',
      headers: { 'x-forwarded-for': client },
    });
    const waiting = [app.inject(from('203.0.113.66')), app.inject(from('203.0.113.66'))];
    await expect
      .poll(async () => (await app.inject('/api/health')).json().waiting as number)
      .toBe(2);
    expect(failure(await app.inject({ ...from('203.0.113.66'), url: '/api/health' }))).toEqual([
      429,
      'ERR_TOO_MANY_CONNECTIONS',
    ]);
    expect((await app.inject({ ...from('203.0.113.67'), url: '/api/health' })).statusCode).toBe(
      200,
    );
    await app.close();
    await Promise.all(waiting);
  });
});
