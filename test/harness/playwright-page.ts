import type { Page } from 'playwright-core';
import { type BrowserPage, DEFAULT_WAIT_MS, POLL_MS, type TestBrowser } from './browser-page.ts';
import type { ChromiumHandle } from './chromium.ts';

/** A Playwright page (Chromium) as a `BrowserPage`. */
export function playwrightPage(page: Page): BrowserPage {
  const first = (selector: string) => page.locator(selector).first();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.type());
    (dialog.type() === 'beforeunload' ? dialog.accept() : dialog.dismiss()).catch(() => {});
  });
  return {
    browser: 'chromium',
    dialogs,
    goto: async (url) => {
      await page.goto(url);
    },
    reload: async () => {
      await page.reload();
    },
    addInitScript: async (script) => {
      await page.addInitScript(script);
    },
    click: (selector) => first(selector).click(),
    fill: (selector, text) => first(selector).fill(text),
    check: (selector) => first(selector).check(),
    setInputFile: (selector, path) => first(selector).setInputFiles(path),
    waitFor: (selector, timeout = DEFAULT_WAIT_MS) =>
      first(selector).waitFor({ state: 'attached', timeout }),
    attribute: (selector, name) =>
      page.evaluate(([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null, [
        selector,
        name,
      ] as const),
    text: (selector) =>
      page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector),
    inputValue: (selector) => first(selector).inputValue(),
    count: (selector) => page.locator(selector).count(),
    screenshot: (selector) => first(selector).screenshot(),
    // Playwright's types map arguments through its handles; ours are plain JSON values.
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) =>
      page.evaluate<R, unknown>(fn as (arg: unknown) => R | Promise<R>, arg),
    waitForFunction: async <R, A>(fn: (arg: A) => R, arg: A, timeout = DEFAULT_WAIT_MS) => {
      const poll = fn as (arg: unknown) => R;
      const handle = await page.waitForFunction<R, unknown>(poll, arg, {
        timeout,
        polling: POLL_MS,
      });
      return (await handle.jsonValue()) as R;
    },
    isClosed: () => page.isClosed(),
    close: () => page.close(),
  };
}

/** Chromium (see chromium.ts) as a `TestBrowser`: pages start on a blank loopback page. */
export function chromiumBrowser(chromium: ChromiumHandle): TestBrowser {
  return {
    name: 'chromium',
    newPage: async () => playwrightPage(await chromium.newPage()),
    assertNoCspViolations: () => chromium.assertNoCspViolations(),
    close: () => chromium.close(),
  };
}
