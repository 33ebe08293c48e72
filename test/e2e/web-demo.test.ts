import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';

const appRoot = join(import.meta.dirname, '../../apps/web');
let outDir: string;
let server: PreviewServer;
let appUrl: string;
let chromium: ChromiumHandle;

beforeAll(async () => {
  assertPrivateNetns();
  // The production build, served as it would be: no dev-server reloads in the middle of a test.
  outDir = await mkdtemp(join(tmpdir(), 'webrtc-connect-web-'));
  await build({
    root: appRoot,
    configFile: join(appRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  server = await preview({
    root: appRoot,
    configFile: join(appRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no port');
  appUrl = `http://127.0.0.1:${address.port}/`;
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

async function openApp(url = appUrl): Promise<Page> {
  const page = await chromium.newPage();
  await page.goto(url);
  return page;
}

describe('the web demo', () => {
  it('connects two tabs that swap only the compact link and answer texts, and they chat', async () => {
    const a = await openApp();
    await a.getByTestId('create-offer').click();
    const link = await a.getByTestId('offer-link').inputValue();
    const offerText = new URLSearchParams(new URL(link).hash.slice(1)).get('o') ?? '';
    expect(offerText).toMatch(/^[A-Za-z0-9_-]{60,200}$/);

    const b = await openApp(link);
    const answerText = await b.getByTestId('answer-text').inputValue();
    expect(answerText).toMatch(/^[A-Za-z0-9_-]{60,200}$/);

    await a.getByTestId('answer-input').fill(answerText);
    await a.getByTestId('connect').click();
    await expect.poll(() => a.getByTestId('answer-status').textContent()).toBe('Connected');
    await expect.poll(() => b.getByTestId('status').first().textContent()).toBe('Connected');

    const sasA = a.getByTestId('sas');
    const sasB = b.getByTestId('sas');
    await expect.poll(() => sasA.textContent()).toMatch(/^\d{3} \d{3}$/);
    expect(await sasB.textContent()).toBe(await sasA.textContent());

    await a.getByTestId('message-input').fill('hello from A');
    await a.getByTestId('send').click();
    await expect
      .poll(() => b.getByTestId('messages').textContent())
      .toContain('peer: hello from A');
    await b.getByTestId('message-input').fill('hello from B');
    await b.getByTestId('send').click();
    await expect
      .poll(() => a.getByTestId('messages').textContent())
      .toContain('peer: hello from B');
    await Promise.all([a.close(), b.close()]);
  });

  it('names the error of a damaged link and of a damaged answer', async () => {
    const broken = await openApp(`${appUrl}#o=not*base64`);
    await expect
      .poll(() => broken.getByTestId('status').textContent())
      .toContain('ERR_MALFORMED_TEXT');

    const a = await openApp();
    await a.getByTestId('create-offer').click();
    await a.getByTestId('offer-link').inputValue();
    await a.getByTestId('answer-input').fill('IAAA');
    await a.getByTestId('connect').click();
    await expect
      .poll(() => a.getByTestId('answer-status').textContent())
      .toContain('ERR_TRUNCATED');
    await Promise.all([broken.close(), a.close()]);
  });
});
