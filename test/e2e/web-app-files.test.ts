/**
 * Files as people send them in the web app, in Chromium against the real server: several at
 * once dropped on the page, pasted, an image previewed on the receiver, speed and time left on
 * both sides, and cancelling from either side. What arrives is checked by SHA-256. And what a
 * hidden tab shows when a connection, a message or a file arrives.
 */
import { describe, expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { type BrowserPage, testId } from '../harness/browser-page.ts';
import { playwrightPage } from '../harness/playwright-page.ts';
import { createLinkOn, downloadedHash, sendChat, waitForState } from '../harness/web-app-pages.ts';

const app = useWebApp();

async function connectedPair(): Promise<[BrowserPage, BrowserPage]> {
  const a = await app.open('/');
  const link = await createLinkOn(a);
  const b = await app.open(link.slice(link.indexOf('/#')));
  await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
  return [a, b];
}

/**
 * Makes files of random bytes in `page` and hands them to it by `how` (a drop on the page or a
 * paste); resolves to the SHA-256 of each, by name.
 */
function handOver(
  page: BrowserPage,
  how: 'drop' | 'paste',
  files: Array<{ name: string; size: number; type?: string; url?: string }>,
): Promise<Record<string, string>> {
  return page.evaluate(
    async ([way, specs]) => {
      const transfer = new DataTransfer();
      const hashes: Record<string, string> = {};
      for (const spec of specs) {
        let bytes: Uint8Array<ArrayBuffer>;
        if (spec.url) bytes = new Uint8Array(await (await fetch(spec.url)).arrayBuffer());
        else {
          bytes = new Uint8Array(spec.size);
          for (let at = 0; at < bytes.length; at += 65536) {
            crypto.getRandomValues(bytes.subarray(at, at + 65536));
          }
        }
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        hashes[spec.name] = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
        transfer.items.add(new File([bytes], spec.name, { type: spec.type ?? '' }));
      }
      if (way === 'drop') {
        const target = document.querySelector('main') ?? document.body;
        target.dispatchEvent(
          new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
        target.dispatchEvent(
          new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
      } else {
        document.dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }),
        );
      }
      return hashes;
    },
    [how, files] as const,
  );
}

/** SHA-256 of each file the page received, by name. */
async function receivedHashes(page: BrowserPage, count: number): Promise<Record<string, string>> {
  const download = '[data-testid="transfer"][data-direction="incoming"] [data-testid="download"]';
  await page.waitForFunction((s) => document.querySelectorAll(s).length, download, 30_000);
  await page.waitForFunction(
    ([s, n]) => document.querySelectorAll(s).length === n,
    [download, count] as const,
    30_000,
  );
  const links = await page.evaluate(
    (s) =>
      [...document.querySelectorAll(s)].map((a) => [
        a.getAttribute('download') ?? '',
        a.getAttribute('href') ?? '',
      ]),
    download,
  );
  const hashes: Record<string, string> = {};
  for (const [name, href] of links) hashes[name ?? ''] = await downloadedHash(page, href ?? '');
  return hashes;
}

/** Both pages show the transfer in progress with its speed and time left. */
async function bothShowSpeed(a: BrowserPage, b: BrowserPage): Promise<string[]> {
  const speed = '[data-testid="transfer"][data-state="active"] [data-testid="transfer-speed"]';
  return Promise.all(
    [a, b].map((page) =>
      page.waitForFunction(
        (s) => {
          const text = document.querySelector(s)?.textContent ?? '';
          return /^[\d.]+ (B|KiB|MiB|GiB)\/s · \d+ (s|min) left$/.test(text) ? text : '';
        },
        speed,
        20_000,
      ),
    ),
  );
}

const failedState = '[data-testid="transfer"][data-state="failed"]';

describe('the web app, files', () => {
  it('sends several files dropped on the page at once, and a pasted image with a preview', async () => {
    const [a, b] = await connectedPair();
    const dropped = await handOver(a, 'drop', [
      { name: 'first.bin', size: 300_000 },
      { name: 'second.bin', size: 1_500_000 },
      { name: 'empty.bin', size: 0 },
    ]);
    expect(await receivedHashes(b, 3)).toEqual(dropped);

    // Pasting text into the chat is left alone; pasting a file sends it.
    const pasted = await handOver(b, 'paste', [
      { name: 'icon.png', size: 0, type: 'image/png', url: '/icon-192.png' },
    ]);
    expect(await receivedHashes(a, 1)).toEqual(pasted);
    const width = await a.waitForFunction(
      () => document.querySelector<HTMLImageElement>('[data-testid="preview"]')?.naturalWidth,
      undefined,
    );
    expect(width).toBe(192);
    expect(await a.attribute(testId('preview'), 'alt')).toBe('Preview of icon.png');
  });

  it('shows speed and time left on both sides, and either side cancels', async () => {
    const [a, b] = await connectedPair();
    // Large enough to be still on its way when cancelled (a 1 MiB block, repeated: cheap).
    const sendLarge = (name: string) =>
      a.evaluate((fileName) => {
        const block = new Uint8Array(1 << 20);
        crypto.getRandomValues(block.subarray(0, 65536));
        const file = new File(Array(192).fill(block), fileName);
        const transfer = new DataTransfer();
        transfer.items.add(file);
        document.body.dispatchEvent(
          new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
      }, name);

    await sendLarge('cancelled-by-receiver.bin');
    await bothShowSpeed(a, b);
    await b.click('[data-testid="transfer"][data-state="active"] [data-testid="transfer-cancel"]');
    for (const page of [a, b]) {
      await page.waitFor(failedState);
      expect(await page.attribute(failedState, 'data-error-code')).toBe('ERR_CANCELLED');
    }

    await sendLarge('cancelled-by-sender.bin');
    await bothShowSpeed(a, b);
    await a.click('[data-testid="transfer"][data-state="active"] [data-testid="transfer-cancel"]');
    for (const page of [a, b]) {
      await page.waitForFunction(
        (s) => document.querySelectorAll(s).length === 2,
        failedState,
        10_000,
      );
    }
    expect(
      await b.count(
        '[data-testid="transfer"][data-state="failed"][data-error-code="ERR_CANCELLED"]',
      ),
    ).toBe(2);
    expect(await b.count(testId('download'))).toBe(0);
  });
});

describe('the web app in a hidden tab', () => {
  it('counts what happened in its title and badges its favicon, notifies when allowed, and clears on sight', async () => {
    const a = await app.open('/');
    const link = await createLinkOn(a);
    const raw = await app.chromium.newPage();
    await raw.context().grantPermissions(['notifications'], { origin: app.server.url });
    // Headless tabs are never hidden: the page is told it is, until the test says otherwise.
    await raw.addInitScript(() => {
      const scope = globalThis as unknown as { tabHidden: boolean; notified: string[] };
      scope.tabHidden = true;
      scope.notified = [];
      Object.defineProperty(Document.prototype, 'hidden', { get: () => scope.tabHidden });
      const Shown = Notification;
      globalThis.Notification = class extends Shown {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          scope.notified.push(title);
        }
      };
    });
    const b = app.track(playwrightPage(raw));
    await b.goto(`${app.server.url}${link.slice(link.indexOf('/#'))}`);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    // B names A in what it tells: A's name came in its messenger's hello.
    await b.waitForFunction(
      (name) => document.querySelector('[data-testid="peer-name"]')?.textContent?.includes(name),
      'Chrome on Linux',
    );
    await sendChat(a, b, 'are you there?');
    await handOver(a, 'drop', [{ name: 'while-away.bin', size: 1000 }]);
    await b.waitFor(testId('download'));

    expect(await raw.title()).toBe('(3) Received while-away.bin · WebRTC Connect');
    const icons = () =>
      raw.evaluate(() =>
        [...document.querySelectorAll('link[rel="icon"]')].map((l) => l.getAttribute('href')),
      );
    expect(await icons()).toEqual(['/favicon-badge.svg']);
    expect(
      await b.evaluate(() => (globalThis as unknown as { notified: string[] }).notified),
    ).toEqual(['Connected', 'Message from Chrome on Linux', 'Received while-away.bin']);

    await raw.evaluate(() => {
      (globalThis as unknown as { tabHidden: boolean }).tabHidden = false;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    expect(await raw.title()).toBe('WebRTC Connect');
    expect(await icons()).toEqual(['/favicon.ico', '/favicon.svg']);
    // The badge icon was served (a 404 would leave the tab without one).
    const status = await raw.evaluate(() => fetch('/favicon-badge.svg').then((r) => r.status));
    expect(status).toBe(200);
  });
});

describe('the link page after a failure', () => {
  it('takes the failed link page down and makes a new link with "Make a new link"', async () => {
    const raw = await app.chromium.newPage();
    const a = app.track(playwrightPage(raw));
    // No mailbox: making the link fails.
    await raw.route('**/api/**', (route) => route.abort());
    await a.goto(`${app.server.url}/`);
    await a.click(testId('create-link'));
    await waitForState(a, 'failed');
    expect(await a.count(testId('link'))).toBe(0);
    expect(await a.text(testId('start-again'))).toBe('Make a new link');
    await raw.unroute('**/api/**');
    await a.click(testId('start-again'));
    await waitForState(a, 'waiting');
    expect(await a.count(testId('link'))).toBe(1);
    expect(await a.count(testId('start-again'))).toBe(0);
  });
});
