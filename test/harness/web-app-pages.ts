import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ChromiumHandle } from './chromium.ts';

/** How the tests drive apps/web: through what a person sees and does, found by test ids. */

export async function openApp(chromium: ChromiumHandle, url: string): Promise<Page> {
  const page = await chromium.newPage();
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
export async function waitForState(page: Page, state: string, timeout = 20_000): Promise<void> {
  const status = page.getByTestId('status');
  await page
    .locator(`[data-testid="status"]:is([data-state="${state}"], [data-state="failed"])`)
    .waitFor({ timeout });
  const reached = await status.getAttribute('data-state');
  expect(reached, `status: ${await status.textContent()}`).toBe(state);
}

/** Clicks "Create a link" (optionally self-contained) and returns the link once shown. */
export async function createLinkOn(page: Page, options: { selfContained?: boolean } = {}) {
  if (options.selfContained) await page.getByTestId('self-contained').check();
  await page.getByTestId('create-link').click();
  await waitForState(page, 'waiting');
  return page.getByTestId('link').inputValue();
}

/** The reply code as B's page shows it (grouped, e.g. "7KQ 2MX"). */
export async function replyCodeOn(page: Page): Promise<string> {
  const shown = await page.waitForFunction(
    () => (globalThis as { shownReplyCode?: string }).shownReplyCode,
    undefined,
    { timeout: 15_000 },
  );
  return String(await shown.jsonValue());
}

export async function typeReply(page: Page, reply: string): Promise<void> {
  await page.getByTestId('reply-input').fill(reply);
  await page.getByTestId('reply-submit').click();
}

/** Both pages show the same six-digit short authentication string. */
export async function expectSameSas(a: Page, b: Page): Promise<void> {
  const sas = await a.getByTestId('sas').textContent();
  expect(sas).toMatch(/^\d{3} \d{3}$/);
  expect(await b.getByTestId('sas').textContent()).toBe(sas);
}

export async function sendChat(from: Page, to: Page, text: string): Promise<void> {
  await from.getByTestId('message-input').fill(text);
  await from.getByTestId('send').click();
  await to
    .getByTestId('messages')
    .locator('li[data-from="peer"]', { hasText: text })
    .waitFor({ timeout: 10_000 });
}

/** The error a page shows in `testId`: its stable code and its sentence. */
export async function shownError(
  page: Page,
  testId: string,
): Promise<{ code: string | null; text: string }> {
  const element = page.locator(`[data-testid="${testId}"][data-error-code]`);
  await element.waitFor({ timeout: 15_000 });
  return {
    code: await element.getAttribute('data-error-code'),
    text: (await element.textContent()) ?? '',
  };
}

/**
 * SHA-256 (hex) of what the page's download link holds (the Blob the receiver assembled), as a
 * person gets it: a click, and the browser's download. (A fetch of the `blob:` URL from the
 * page would be refused by the app's CSP, which allows no such connection.)
 */
export async function downloadedHash(page: Page, href: string): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator(`a[href="${href}"]`).click(),
  ]);
  const bytes = await readFile(await download.path());
  return createHash('sha256').update(bytes).digest('hex');
}
