import type { ErrorResponse } from '@webrtc-connect/protocol';
import { describe, expect, it } from 'vitest';
import { accountServer } from './account-helpers.ts';
import { failure, testServer } from './helpers.ts';
import { type RawAnswer, rawExchange } from './raw-http.ts';

const OFFER_ID = 'AAAAAAAAAAAAAAAA';

function errorOf(answer: RawAnswer | undefined): [number, string | undefined] {
  if (!answer) return [0, undefined];
  expect(answer.headers['content-type']).toContain('application/json');
  return [answer.status, (JSON.parse(answer.body) as ErrorResponse).error.code];
}

function upgrade(path: string, protocol = 'websocket'): string {
  return (
    `GET ${path} HTTP/1.1\r\nhost: mailbox.example\r\nconnection: Upgrade\r\n` +
    `upgrade: ${protocol}\r\nsec-websocket-version: 13\r\n` +
    'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nhttp2-settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n'
  );
}

describe('upgrades', () => {
  it('are refused at once on every route but /api/account, which still upgrades', async () => {
    const server = await accountServer({ jwt: null });
    for (const path of ['/api/health', `/api/offers/${OFFER_ID}`, '/api/replies/ABCDE', '/nope']) {
      // The answer is read until the server closes the socket: a 101 would hold it open.
      expect(errorOf(await rawExchange(server.url, upgrade(path))), path).toEqual([
        400,
        'ERR_UPGRADE_REFUSED',
      ]);
    }
    const device = await server.open();
    device.kill();
  });

  it('to h2c are refused in the documented shape, on the account path too', async () => {
    const server = await accountServer({ jwt: null });
    for (const path of ['/api/health', '/api/account']) {
      expect(errorOf(await rawExchange(server.url, upgrade(path, 'h2c'))), path).toEqual([
        400,
        'ERR_UPGRADE_REFUSED',
      ]);
    }
  });
});

describe('every /api error has the documented shape and code', () => {
  it('GET /api/account without an upgrade is 426 ERR_UPGRADE_REQUIRED', async () => {
    const app = await testServer();
    const response = await app.inject({ url: '/api/account' });
    expect(failure(response)).toEqual([426, 'ERR_UPGRADE_REQUIRED']);
    expect(response.headers.upgrade).toBe('websocket');
  });

  it('a request line or headers Node cannot parse', async () => {
    const server = await accountServer({ jwt: null });
    for (const text of [
      'GARBAGE\r\n\r\n',
      'GET /api/health HTTP/9.9\r\n\r\n',
      'GET /api/health HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n',
      `GET /api/health HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n`,
    ]) {
      expect(errorOf(await rawExchange(server.url, text)), JSON.stringify(text)).toEqual([
        400,
        'ERR_BAD_REQUEST',
      ]);
    }
    const huge = `GET /api/health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`;
    expect(errorOf(await rawExchange(server.url, huge))).toEqual([431, 'ERR_HEADERS_TOO_LARGE']);
  });

  it('a text/plain body is 415 ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    const app = await testServer();
    for (const url of ['/api/offers', '/api/replies']) {
      const response = await app.inject({
        method: 'POST',
        url,
        payload: '{"sealed":"AAAA"}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(failure(response), url).toEqual([415, 'ERR_UNSUPPORTED_MEDIA_TYPE']);
    }
  });

  it('ids and codes over 500 characters are ERR_INVALID_ID and ERR_INVALID_CODE', async () => {
    const app = await testServer();
    const long = 'A'.repeat(501);
    const bearer = { authorization: `Bearer ${'t'.repeat(22)}` };
    for (const [method, url, code] of [
      ['GET', `/api/offers/${long}`, 'ERR_INVALID_ID'],
      ['GET', `/api/offers/${long}?wait=0`, 'ERR_INVALID_ID'],
      ['PUT', `/api/offers/${long}`, 'ERR_INVALID_ID'],
      ['DELETE', `/api/offers/${long}`, 'ERR_INVALID_ID'],
      ['GET', `/api/offers/${long}/reply`, 'ERR_INVALID_ID'],
      ['GET', `/api/replies/${long}`, 'ERR_INVALID_CODE'],
      ['GET', `/api/replies/${'A'.repeat(499)}`, 'ERR_INVALID_CODE'],
      ['GET', `/api/offers/${'A'.repeat(499)}`, 'ERR_INVALID_ID'],
    ] as const) {
      const response = await app.inject({
        method,
        url,
        headers: bearer,
        ...(method === 'PUT' ? { payload: { sealed: 'AAAA' } } : {}),
      });
      expect(failure(response), `${method} ${url.slice(0, 40)}`).toEqual([400, code]);
    }
  });
});
