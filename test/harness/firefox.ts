import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * Polls `look` until it resolves to a truthy value. Puppeteer's own waits for a condition
 * (`waitForFunction`, and its locators' checks before a click or fill) build their predicate
 * with `new Function` in the page, which the app's CSP (no 'unsafe-eval') blocks in Firefox ESR
 * 140: an EvalError, and a CSP violation that fails the test. `evaluate` (WebDriver BiDi's
 * script.callFunction) is no eval. A look that fails (the page navigating meanwhile) is tried
 * again, as Puppeteer's waits survive navigations.
 */
async function until<R>(look: () => Promise<R>, timeout: number, what: string): Promise<R> {
  const deadline = performance.now() + timeout;
  for (;;) {
    let failure: unknown;
    try {
      const value = await look();
      if (value) return value;
    } catch (error) {
      failure = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`waited ${timeout} ms in vain for ${what.slice(0, 200)}`, { cause: failure });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** How long a click or fill waits for its element: Puppeteer's locators' default, as before. */
const ACTION_WAIT_MS = 30_000;

/** Whether the element `selector` finds can take a click or text: shown and enabled. */
function isActionable(selector: string): boolean {
  const element = document.querySelector(selector);
  if (!element || (element as HTMLButtonElement).disabled) return false;
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility !== 'hidden';
}

/** A Puppeteer page (Firefox over WebDriver BiDi) as a `BrowserPage`. */
export function puppeteerPage(page: Page): BrowserPage {
  const element = async (selector: string, timeout = DEFAULT_WAIT_MS) => {
    const handle = await page.waitForSelector(selector, { timeout });
    if (!handle) throw new Error(`no element matches ${selector}`);
    return handle;
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
    click: async (selector) => {
      await until(() => page.evaluate(isActionable, selector), ACTION_WAIT_MS, selector);
      await (await element(selector)).click();
    },
    fill: async (selector, text) => {
      await until(() => page.evaluate(isActionable, selector), ACTION_WAIT_MS, selector);
      // As Playwright's fill: the value replaced at once, then the events typing would fire.
      await page.evaluate(
        (s, value) => {
          const input = document.querySelector(s) as HTMLInputElement | HTMLTextAreaElement;
          input.focus();
          input.value = value;
          input.dispatchEvent(new Event('input', { bubbles: true }));
          input.dispatchEvent(new Event('change', { bubbles: true }));
        },
        selector,
        text,
      );
    },
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
    waitForFunction: <R, A>(fn: (arg: A) => R, arg: A, timeout = DEFAULT_WAIT_MS) =>
      until(
        () => page.evaluate(fn as (arg: unknown) => R, arg as unknown) as Promise<R>,
        timeout,
        String(fn),
      ),
    isClosed: () => page.isClosed(),
    close: () => page.close(),
  };
}
