/**
 * The web app as an installable app, in Chromium against the real server: its manifest and
 * icons are served, Chromium finds nothing that stops installing it, nothing the page asks for
 * answers 404 (the favicon), and the service worker keeps all of it for offline use.
 */
import { describe, expect, it } from 'vitest';
import { startAppServer, useWebApp } from '../harness/app-server.ts';
import { testId } from '../harness/browser-page.ts';
import { playwrightPage } from '../harness/playwright-page.ts';
import { serviceWorkerControls } from '../harness/web-app-pages.ts';

const app = useWebApp();

const ICONS = ['/icon-192.png', '/icon-512.png', '/icon-maskable-512.png'];

describe('the web app, installable', () => {
  it('serves its manifest and icons, and Chromium reports no installability error', async () => {
    const manifestResponse = await fetch(`${app.server.url}/manifest.webmanifest`);
    expect(manifestResponse.status).toBe(200);
    expect(manifestResponse.headers.get('content-type')).toContain('application/manifest+json');
    const manifest = (await manifestResponse.json()) as {
      display: string;
      start_url: string;
      icons: { src: string; sizes: string; purpose: string }[];
    };
    expect(manifest).toMatchObject({ display: 'standalone', start_url: '/' });
    expect(manifest.icons.map((icon) => `${icon.sizes} ${icon.purpose}`)).toEqual([
      '192x192 any',
      '512x512 any',
      '512x512 maskable',
    ]);
    for (const path of [...ICONS, '/apple-touch-icon.png', '/favicon.ico', '/favicon.svg']) {
      const response = await fetch(`${app.server.url}${path}`);
      expect(response.status, path).toBe(200);
      // PNGs are PNGs (the ICO holds one): the 8-byte signature, after the ICO's 22-byte header.
      const bytes = new Uint8Array(await response.arrayBuffer());
      const signature = path.endsWith('.ico') ? bytes.subarray(22, 26) : bytes.subarray(0, 4);
      if (!path.endsWith('.svg')) expect(Array.from(signature), path).toEqual([137, 80, 78, 71]);
    }

    const page = await app.chromium.newPage();
    const tracked = app.track(playwrightPage(page));
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`${app.server.url}/`);
    await serviceWorkerControls(tracked);
    const cdp = await page.context().newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors).toEqual([]);
    const { errors } = (await cdp.send('Page.getAppManifest')) as { errors: unknown[] };
    expect(errors).toEqual([]);
    expect(await page.locator('meta[name="theme-color"]').getAttribute('content')).toBe('#1d4ed8');
    // The favicon and every icon Chromium fetched were there.
    await page.evaluate(() => fetch('/favicon.ico'));
    expect(failed).toEqual([]);
    await cdp.detach();
  });

  it('opens offline, with its icons and manifest, once opened', async () => {
    const own = await startAppServer(app.webRoot);
    let running = true;
    try {
      const page = app.track(playwrightPage(await app.chromium.newPage()));
      await page.goto(`${own.url}/`);
      await serviceWorkerControls(page);
      await own.close();
      running = false;
      await page.reload();
      await page.waitFor(testId('create-link'));
      const statuses = await page.evaluate(
        (paths) =>
          Promise.all(paths.map((path) => fetch(path).then((response) => response.status))),
        [...ICONS, '/manifest.webmanifest', '/favicon.ico'],
      );
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
    } finally {
      if (running) await own.close();
    }
  });
});
