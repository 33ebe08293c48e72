import { expect } from 'vitest';
import { type BrowserPage, type TestBrowser, testId } from './browser-page.ts';

/** How the tests drive apps/web: through what a person sees and does, found by test ids. */

export async function openApp(browser: TestBrowser, url: string): Promise<BrowserPage> {
  const page = await browser.newPage();
  // B's page replaces its reply code with the chat once connected, which with the automatic
  // reply can be within milliseconds: note the code the moment it appears.
  await page.addInitScript(() => {
    new MutationObserver((_records, observer) => {
      const code = document.querySelector('[data-testid="reply-code"]')?.textContent;
      if (!code) return;
      (globalThis as { shownReplyCode?: string }).shownReplyCode = code;
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(url);
  return page;
}

/**
 * Waits until the page's connection status reaches `state` (or fails, which then fails the
 * test with the message the page shows).
 */
export async function waitForState(
  page: BrowserPage,
  state: string,
  timeout = 20_000,
): Promise<void> {
  await page.waitFor(
    `[data-testid="status"]:is([data-state="${state}"], [data-state="failed"])`,
    timeout,
  );
  const reached = await page.attribute(testId('status'), 'data-state');
  expect(reached, `status: ${await page.text(testId('status'))}`).toBe(state);
}

/** Clicks "Create a link" (optionally self-contained) and returns the link once shown. */
export async function createLinkOn(page: BrowserPage, options: { selfContained?: boolean } = {}) {
  if (options.selfContained) await page.check(testId('self-contained'));
  await page.click(testId('create-link'));
  await waitForState(page, 'waiting');
  return page.inputValue(testId('link'));
}

/** The reply code as B's page shows it (grouped, e.g. "7KQ 2MX"). */
export function replyCodeOn(page: BrowserPage): Promise<string> {
  return page
    .waitForFunction(
      () => (globalThis as { shownReplyCode?: string }).shownReplyCode,
      undefined,
      15_000,
    )
    .then(String);
}

export async function typeReply(page: BrowserPage, reply: string): Promise<void> {
  await page.fill(testId('reply-input'), reply);
  await page.click(testId('reply-submit'));
}

/** Both pages show the same six-digit short authentication string. */
export async function expectSameSas(a: BrowserPage, b: BrowserPage): Promise<void> {
  const sas = await a.text(testId('sas'));
  expect(sas).toMatch(/^\d{3} \d{3}$/);
  expect(await b.text(testId('sas'))).toBe(sas);
}

/** Waits until a list item matching `selector` holds `text`. */
export async function waitForItem(
  page: BrowserPage,
  selector: string,
  text: string,
  timeout = 10_000,
): Promise<void> {
  await page.waitForFunction(
    ([s, t]) => [...document.querySelectorAll(s)].some((item) => item.textContent?.includes(t)),
    [selector, text] as const,
    timeout,
  );
}

export async function sendChat(from: BrowserPage, to: BrowserPage, text: string): Promise<void> {
  await from.fill(testId('message-input'), text);
  await from.click(testId('send'));
  await waitForItem(to, '[data-testid="messages"] li[data-from="peer"]', text);
}

/** The error a page shows in `id`: its stable code and its sentence. */
export async function shownError(
  page: BrowserPage,
  id: string,
): Promise<{ code: string | null; text: string }> {
  const selector = `[data-testid="${id}"][data-error-code]`;
  await page.waitFor(selector, 15_000);
  return {
    code: await page.attribute(selector, 'data-error-code'),
    text: (await page.text(selector)) ?? '',
  };
}

/** SHA-256 (hex) of what the page's download link holds: the Blob the receiver assembled. */
export function downloadedHash(page: BrowserPage, href: string): Promise<string> {
  return page.evaluate(async (url) => {
    const bytes = await (await fetch(url)).arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  }, href);
}

/**
 * Waits until a service worker controls `page` (the app's claims the page once it has kept the
 * app's files), bounded by `timeout`: on the `controllerchange` event, not by polling on
 * animation frames, which stall in a headless tab that is not in front. When it does not, the
 * failure says how far the worker got (none registered: its install failed).
 */
export async function serviceWorkerControls(page: BrowserPage, timeout = 30_000): Promise<void> {
  const reached = await page.evaluate(async (ms) => {
    const container = navigator.serviceWorker;
    // Checked and listened to in one task: the event cannot fall between the two.
    if (container.controller) return 'controlled';
    const controlled = new Promise<string>((resolve) => {
      container.addEventListener('controllerchange', () => resolve('controlled'), { once: true });
    });
    const late = new Promise<string>((resolve) => {
      setTimeout(async () => {
        const registration = await container.getRegistration();
        if (!registration) return resolve('no worker registered');
        const { installing, waiting, active } = registration;
        resolve(
          `installing: ${installing?.state ?? 'none'}, waiting: ${waiting?.state ?? 'none'}, active: ${active?.state ?? 'none'}`,
        );
      }, ms);
    });
    return Promise.race([controlled, late]);
  }, timeout);
  expect(reached, `a service worker controls the page within ${timeout} ms`).toBe('controlled');
}
