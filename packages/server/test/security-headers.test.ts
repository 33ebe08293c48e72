import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountServer } from './account-helpers.ts';
import { testServer } from './helpers.ts';
import { rawExchange } from './raw-http.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'webrtc-connect-headers-'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>app</title>');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name = '', ...values]) => [name, values]),
  );
}

describe('security headers', () => {
  it('the app gets a strict CSP, nosniff, no referrer, no framing, mic and camera for itself', async () => {
    const app = await testServer({ webRoot: root });
    for (const url of ['/', '/some/app/page']) {
      const page = await app.inject({ url, headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(200);
      const csp = directives(String(page.headers['content-security-policy']));
      expect(csp.get('default-src')).toEqual(["'none'"]);
      expect(csp.get('script-src')).toEqual(["'self'", 'blob:', "'wasm-unsafe-eval'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      // Its own origin, and the Blob URLs of files it received (read back by the page).
      expect(csp.get('connect-src')).toEqual(["'self'", 'blob:']);
      expect(csp.get('worker-src')).toEqual(["'self'"]);
      for (const values of csp.values()) {
        expect(values).not.toContain("'unsafe-inline'");
        expect(values).not.toContain("'unsafe-eval'");
        expect(values).not.toContain('*');
      }
      expect(page.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'x-frame-options': 'DENY',
      });
      expect(page.headers['permissions-policy']).toContain('microphone=(self)');
      expect(page.headers['permissions-policy']).toContain('camera=(self)');
    }
  });

  it("lets the app reach an OpenID Connect provider's origin, and no other", async () => {
    const app = await testServer({
      webRoot: root,
      oidc: { issuer: 'https://login.example.com/realms/people', clientId: 'webrtc-connect' },
    });
    const page = await app.inject({ url: '/', headers: { accept: 'text/html' } });
    const csp = directives(String(page.headers['content-security-policy']));
    expect(csp.get('connect-src')).toEqual(["'self'", 'blob:', 'https://login.example.com']);
    expect(csp.get('script-src')).toEqual(["'self'", 'blob:', "'wasm-unsafe-eval'"]);
  });

  it('every API answer, errors and raw refusals included, says nosniff', async () => {
    const app = await testServer();
    for (const url of ['/api/health', '/api/replies/ZZZZZ', '/api/nope']) {
      const headers = (await app.inject({ url })).headers;
      expect(headers['x-content-type-options'], url).toBe('nosniff');
      expect(headers['x-frame-options'], url).toBe('DENY');
    }
    const server = await accountServer({ jwt: null });
    const answer = await rawExchange(server.url, 'GARBAGE\r\n\r\n');
    expect(answer?.headers['x-content-type-options']).toBe('nosniff');
  });
});
