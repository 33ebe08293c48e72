import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import {
  type BrowserPage,
  DEFAULT_WAIT_MS,
  POLL_MS,
  type TestBrowser,
  throwOnViolations,
} from './browser-page.ts';

/** Debian's Firefox ESR: no browser download (DESIGN.md §8); puppeteer-core never fetches one. */
export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/**
 * Preferences every test Firefox gets, each for a reason. Host addresses stay hidden behind
 * mDNS names (`media.peerconnection.ice.obfuscate_host_addresses`, on by default) as in any
 * Firefox people use: the namespace resolves them, as it does Chromium's.
 */
export const FIREFOX_PREFS: Readonly<Record<string, unknown>> = {
  // getUserMedia asks nobody (the counterpart of Chromium's --use-fake-ui-for-media-stream).
  'media.navigator.permission.disabled': true,
  // Autoplay of the sound way's loop needs no user gesture, as in Chromium's tests.
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // Nothing that phones home (the namespace would drop it anyway, but each try costs time).
  'app.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'extensions.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
};

export interface FirefoxOptions {
  /** getUserMedia gives a fake stream (a tone) instead of a device. */
  fakeMedia?: boolean;
  /** Added to the browser's environment (e.g. PULSE_SERVER). */
  env?: Record<string, string>;
  /** What to run instead of FIREFOX_PATH (a wrapper that runs it elsewhere, side-browsers.ts). */
  executablePath?: string;
  /** More preferences, over FIREFOX_PREFS. */
  prefs?: Record<string, unknown>;
}

/**
 * Debian's Firefox ESR, headless, driven over WebDriver BiDi by puppeteer-core, with its HOME
 * and profile in a temporary directory. Each page opens in a window of its own, as on two
 * devices: a background tab's timers are throttled to 1 s.
 */
export async function launchFirefox(options: FirefoxOptions = {}): Promise<TestBrowser> {
  const home = await mkdtemp(join(tmpdir(), 'webrtc-connect-firefox-'));
  let browser: Browser | undefined;
  const close = async () => {
    try {
      await browser?.close();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  };
  try {
    const profile = join(home, 'profile');
    await mkdir(profile);
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: options.executablePath ?? FIREFOX_PATH,
      headless: true,
      userDataDir: profile,
      env: { ...process.env, HOME: home, MOZ_HEADLESS: '1', ...options.env },
      extraPrefsFirefox: {
        ...FIREFOX_PREFS,
        ...(options.fakeMedia ? { 'media.navigator.streams.fake': true } : {}),
        ...options.prefs,
      },
    });
    const launched = browser;
    const violations: string[] = [];
    return {
      name: 'firefox',
      newPage: async () => {
        const page = await launched.newPage({ type: 'window' });
        // Functions handed to evaluate are compiled by tsx/vite first, and esbuild's keepNames
        // wraps named inner functions in a `__name(fn, "name")` helper that exists only in Node.
        await page.evaluateOnNewDocument('globalThis.__name = (fn) => fn;');
        // A CSP violation fails the test that meets it: the page's event, told on its console
        // (WebDriver BiDi passes console calls on; Firefox's own CSP warnings it does not).
        await page.evaluateOnNewDocument(() => {
          document.addEventListener('securitypolicyviolation', (event) => {
            console.error(
              `CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} on ${event.documentURI}`,
            );
          });
        });
        page.on('console', (message) => {
          if (message.text().startsWith('CSP violation')) violations.push(message.text());
        });
        return puppeteerPage(page);
      },
      assertNoCspViolations: () => throwOnViolations(violations),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Errors of an evaluation that met a navigation: the page's next document is polled instead
 * (the ones Puppeteer's own waits retry on).
 */
const NAVIGATED =
  /Execution context was destroyed|Cannot find context with specified id|DiscardedBrowsingContextError/;

/**
 * A Puppeteer page (Firefox over WebDriver BiDi) as a `BrowserPage`.
 *
 * Nothing here uses Puppeteer's waits in the page's own world (`page.waitForFunction`, and the
 * locators' wait for an enabled element, which is one): they build their predicate with
 * `new Function` inside the page, and Firefox ESR 140.12 applies the app's CSP (no
 * 'unsafe-eval') to that, so they fail at once ("Waiting failed") or, in a locator, retry until
 * the timeout, each try a CSP violation. A single evaluation (WebDriver BiDi's
 * `script.callFunction`) is exempt, and `waitForSelector` runs in Puppeteer's own sandbox.
 */
export function puppeteerPage(page: Page): BrowserPage {
  const element = async (selector: string, timeout = DEFAULT_WAIT_MS) => {
    const handle = await page.waitForSelector(selector, { timeout });
    if (!handle) throw new Error(`no element matches ${selector}`);
    return handle;
  };
  /**
   * The locator, once `selector` matches an enabled element (checked in the sandbox), within
   * the 30 s a Puppeteer locator waits by default, as before.
   */
  const enabledLocator = async (selector: string) => {
    await element(`:is(${selector}):not(:disabled)`, 30_000);
    return page.locator(selector).setWaitForEnabled(false);
  };
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.type());
    (dialog.type() === 'beforeunload' ? dialog.accept() : dialog.dismiss()).catch(() => {});
  });
  return {
    browser: 'firefox',
    dialogs,
    goto: async (url) => {
      await page.goto(url);
    },
    reload: async () => {
      await page.reload();
    },
    addInitScript: async (script) => {
      await page.evaluateOnNewDocument(script);
    },
    click: async (selector) => (await enabledLocator(selector)).click(),
    fill: async (selector, text) => (await enabledLocator(selector)).fill(text),
    check: async (selector) => {
      const box = (await element(selector)) as ElementHandle<HTMLInputElement>;
      if (!(await box.evaluate((input) => input.checked))) await box.click();
    },
    setInputFile: async (selector, path) => {
      const input = (await element(selector)) as ElementHandle<HTMLInputElement>;
      await input.uploadFile(path);
    },
    waitFor: async (selector, timeout = DEFAULT_WAIT_MS) => {
      await element(selector, timeout);
    },
    attribute: (selector, name) =>
      page.evaluate((s, n) => document.querySelector(s)?.getAttribute(n) ?? null, selector, name),
    text: (selector) =>
      page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector),
    inputValue: async (selector) =>
      (await element(selector)).evaluate((input) => (input as HTMLInputElement).value),
    count: (selector) => page.evaluate((s) => document.querySelectorAll(s).length, selector),
    screenshot: async (selector) => (await element(selector)).screenshot(),
    // Puppeteer's types map arguments through its handles; ours are plain JSON values.
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) =>
      page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg as unknown) as Promise<R>,
    // Polled with one evaluation at a time (see above), across navigations like Puppeteer's.
    waitForFunction: async <R, A>(fn: (arg: A) => R, arg: A, timeout = DEFAULT_WAIT_MS) => {
      const poll = fn as (arg: unknown) => R;
      const deadline = performance.now() + timeout;
      for (;;) {
        try {
          const value = (await page.evaluate(poll, arg as unknown)) as R;
          if (value) return value;
        } catch (error) {
          if (!NAVIGATED.test(String(error))) throw error;
        }
        if (performance.now() >= deadline) {
          throw new Error(`waitForFunction: nothing truthy within ${timeout} ms`);
        }
        await delay(POLL_MS);
      }
    },
    isClosed: () => page.isClosed(),
    close: () => page.close(),
  };
}
