import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isServerError, parseServeArgs, runCli } from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';
import { blob, failure, postOffer, postReply, testServer, waitForReply } from './helpers.ts';

describe('logs', () => {
  it('never hold sealed blobs, owner tokens or reply codes', async () => {
    const lines: string[] = [];
    const app = await testServer({
      logLevel: 'trace',
      logStream: { write: (line) => lines.push(line) },
    });
    const offer = await postOffer(app, blob('secret offer bytes'));
    await app.inject(`/api/offers/${offer.id}`);
    const { code } = await postReply(app, {
      sealed: blob('secret answer bytes'),
      offerId: offer.id,
    });
    await waitForReply(app, offer);
    await app.inject(`/api/replies/${code}`);
    await app.inject(`/api/replies/${code.toLowerCase()}`);

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(8);
    expect(log).toContain('/api/replies/:code');
    for (const secret of [
      blob('secret offer bytes'),
      blob('secret answer bytes'),
      offer.ownerToken,
      code,
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(log.toLowerCase()).not.toContain(code.toLowerCase());
  });
});

describe('the web app', () => {
  it('is served at / beside the API, with index.html for app pages', async () => {
    const root = await mkdtemp(join(tmpdir(), 'webrtc-connect-web-'));
    try {
      await writeFile(join(root, 'index.html'), '<!doctype html><title>WebRTC Connect</title>');
      await writeFile(join(root, 'app.js'), 'console.log("app")');
      const app = await testServer({ webRoot: root });
      const index = await app.inject('/');
      expect([index.statusCode, index.headers['content-type']]).toEqual([
        200,
        'text/html; charset=utf-8',
      ]);
      expect(index.body).toContain('WebRTC Connect');
      expect((await app.inject('/app.js')).body).toBe('console.log("app")');
      const page = await app.inject({ url: '/some/page', headers: { accept: 'text/html' } });
      expect(page.body).toContain('WebRTC Connect');
      expect(failure(await app.inject('/missing.js'))).toEqual([404, 'ERR_NO_ROUTE']);
      expect(
        failure(await app.inject({ url: '/api/nothing', headers: { accept: 'text/html' } })),
      ).toEqual([404, 'ERR_NO_ROUTE']);
      expect((await app.inject('/api/health')).json()).toMatchObject({ status: 'ok' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('is skipped, API still served, when the directory does not exist', async () => {
    const app = await testServer({ webRoot: join(tmpdir(), 'no-such-webrtc-connect-dir') });
    expect(failure(await app.inject('/'))).toEqual([404, 'ERR_NO_ROUTE']);
    expect((await app.inject('/api/health')).statusCode).toBe(200);
  });
});

describe('pages on other origins (CORS)', () => {
  const page = 'https://app.example';
  const preflight = (origin: string) => ({
    method: 'OPTIONS' as const,
    url: '/api/offers',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });

  it('lets the pages of a listed origin call the mailbox, errors included', async () => {
    const app = await testServer({ corsOrigins: [page] });
    const allowed = await app.inject(preflight(page));
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(page);
    expect(String(allowed.headers['access-control-allow-methods'])).toContain('PUT');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization');

    const created = await app.inject({
      method: 'POST',
      url: '/api/offers',
      headers: { origin: page },
      payload: {},
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['access-control-allow-origin']).toBe(page);
    // A page reads the error code only if the error carries the header too.
    const missing = await app.inject({
      url: '/api/offers/AAAAAAAAAAAAAAAA',
      headers: { origin: page },
    });
    expect(failure(missing)).toEqual([404, 'ERR_NOT_FOUND']);
    expect(missing.headers['access-control-allow-origin']).toBe(page);
  });

  it('gives other origins nothing to read, and none at all by default', async () => {
    const listed = await testServer({ corsOrigins: [page] });
    const other = await listed.inject({
      url: '/api/health',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const plain = await testServer();
    const health = await plain.inject({ url: '/api/health', headers: { origin: page } });
    expect(health.statusCode).toBe(200);
    expect(health.headers['access-control-allow-origin']).toBeUndefined();
    expect(
      (await plain.inject(preflight(page))).headers['access-control-allow-origin'],
    ).toBeUndefined();
  });

  it('lets every origin in with *', async () => {
    const app = await testServer({ corsOrigins: ['*'] });
    const health = await app.inject({ url: '/api/health', headers: { origin: page } });
    expect(health.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('configuration', () => {
  it('takes flags first, then environment variables', () => {
    const options = parseServeArgs(['--port', '9000', '--offer-ttl', '120', '--rate-limit', '0'], {
      PORT: '7000',
      HOST: '0.0.0.0',
      WEB_ROOT: '/srv/app',
      MISS_LIMIT: '20',
      TRUST_PROXY: '10.0.0.2, 10.1.0.0/16',
      CORS_ORIGINS: 'https://app.example, http://localhost:5173',
    });
    expect(options).toEqual({
      port: 9000,
      host: '0.0.0.0',
      webRoot: '/srv/app',
      offerTtlMs: 120_000,
      rateLimit: false,
      missLimit: { max: 20, windowMs: 60_000 },
      corsOrigins: ['https://app.example', 'http://localhost:5173'],
      trustProxy: ['10.0.0.2', '10.1.0.0/16'],
    });
    expect(parseServeArgs(['--trust-proxy', '1'], { TRUST_PROXY: '10.0.0.2' })).toEqual({
      trustProxy: 1,
    });
  });

  it('refuses to trust every proxy hop, saying what to give instead', async () => {
    const refusals: Array<[string[], Record<string, string>]> = [
      [['--trust-proxy'], {}],
      [['--trust-proxy', '--port', '9000'], {}],
      [['--trust-proxy', 'true'], {}],
      [[], { TRUST_PROXY: 'true' }],
      [[], { TRUST_PROXY: 'yes' }],
      [['--trust-proxy', '*'], {}],
      [['--trust-proxy', '10.0.0.300'], {}],
      [['--trust-proxy', '10.0.0.0/33'], {}],
    ];
    for (const [args, env] of refusals) {
      let error: unknown;
      try {
        parseServeArgs(args, env);
      } catch (caught) {
        error = caught;
      }
      expect(isServerError(error) && error.code, JSON.stringify([args, env])).toBe(
        'ERR_INVALID_CONFIG',
      );
      expect((error as Error).message).toContain('--trust-proxy 1');
    }
    await expect(testServer({ trustProxy: true as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
    });
    const printed: string[] = [];
    const output = { log: () => {}, error: (text: string) => printed.push(text) };
    expect(await runCli(['serve', '--trust-proxy'], {}, output)).toBe(2);
    expect(printed.join('')).toContain('number of proxy hops');
  });

  it('refuses bad values with ERR_INVALID_CONFIG naming the option', async () => {
    for (const args of [
      ['--port', 'eighty'],
      ['--offer-ttl', '0'],
      ['--log-level', 'loud'],
    ]) {
      let error: unknown;
      try {
        parseServeArgs(args, {});
      } catch (caught) {
        error = caught;
      }
      expect(isServerError(error) && error.code).toBe('ERR_INVALID_CONFIG');
      expect((error as Error).message).toContain(args[0]);
    }
    for (const options of [
      { maxSealedBytes: 10_000 },
      { corsOrigins: ['https://app.example/'] },
      { corsOrigins: ['app.example'] },
      { corsOrigins: ['ftp://app.example'] },
    ]) {
      await expect(testServer(options)).rejects.toMatchObject({ code: 'ERR_INVALID_CONFIG' });
    }
  });

  it('prints help, and usage errors exit 2', async () => {
    const printed: string[] = [];
    const output = {
      log: (text: string) => printed.push(text),
      error: (text: string) => printed.push(text),
    };
    expect(await runCli(['serve', '--help'], {}, output)).toBe(0);
    expect(printed.join('')).toContain('--offer-ttl');
    expect(await runCli(['serve', '--no-such-flag'], {}, output)).toBe(2);
    expect(await runCli(['launch'], {}, output)).toBe(2);
  });
});

describe('the webrtc-connect command', () => {
  it('serves until SIGTERM, then closes cleanly', async () => {
    const bin = new URL('../bin/webrtc-connect.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const lines = createInterface({ input: child.stdout });
      let url: string | undefined;
      for await (const line of lines) {
        url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
        if (url) break;
      }
      expect(url).toBeDefined();
      const health = await fetch(`${url}/api/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', store: 'memory' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
