import { expect } from 'vitest';
import { type BrowserName, type BrowserPage, type TestBrowser, testId } from './browser-page.ts';

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
  try {
    await page.waitFor(
      `[data-testid="status"]:is([data-state="${state}"], [data-state="failed"])`,
      timeout,
    );
  } catch (error) {
    // A wait that ran out says where the page stood, for a failure that happens only on CI.
    throw new Error(`status never became ${state}: ${await pageStates(page)}`, { cause: error });
  }
  const reached = await page.attribute(testId('status'), 'data-state');
  expect(reached, `status: ${await page.text(testId('status'))}`).toBe(state);
}

/**
 * Every element with a test id and a state or level (or with an error code), with its text: the page
 * as a person would describe it, for a failure message.
 */
export async function pageStates(page: BrowserPage): Promise<string> {
  try {
    return await page.evaluate(() =>
      [
        ...document.querySelectorAll<HTMLElement>(
          '[data-testid][data-state], [data-testid][data-level], [data-error-code]',
        ),
      ]
        .map((element) => {
          const { testid, ...data } = element.dataset;
          const text = (element.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 120);
          return `${testid ?? element.tagName} ${JSON.stringify(data)} "${text}"`;
        })
        .join('; '),
    );
  } catch (error) {
    return `(page unreadable: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** The name each page shows for the other ("With …"), once both are known. */
export function peerNames(pages: BrowserPage[]): Promise<string[]> {
  return Promise.all(
    pages.map((page) =>
      page
        .waitForFunction(
          () => document.querySelector('[data-testid="peer-name"]')?.textContent || null,
          undefined,
        )
        .then(String),
    ),
  );
}

/** Drops a File of `size` random bytes on `page` (it sends it); resolves to its SHA-256. */
export function dropRandomFile(page: BrowserPage, name: string, size: number): Promise<string> {
  return page.evaluate(
    async ([fileName, length]) => {
      const bytes = new Uint8Array(length);
      // getRandomValues fills at most 64 KiB at a time.
      for (let at = 0; at < length; at += 65536) {
        crypto.getRandomValues(bytes.subarray(at, at + 65536));
      }
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], fileName));
      document.body.dispatchEvent(
        new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
      );
      return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
    },
    [name, size] as const,
  );
}

/** Notes every state the page's status line takes from now on (some last only milliseconds). */
export function recordStates(page: BrowserPage): Promise<void> {
  return page.evaluate(() => {
    const seen: string[] = [];
    (globalThis as { seenStates?: string[] }).seenStates = seen;
    const line = document.querySelector('[data-testid="status"]');
    if (!line) throw new Error('no status line');
    new MutationObserver(() => seen.push(line.getAttribute('data-state') ?? '')).observe(line, {
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
}

/** The states the page's status line took since recordStates, in order. */
export function seenStates(page: BrowserPage): Promise<string[]> {
  return page.evaluate(() => (globalThis as { seenStates?: string[] }).seenStates ?? []);
}

/** Resolves once the page's status line has shown `state` since recordStates. */
export async function hasShown(page: BrowserPage, state: string, timeout: number): Promise<void> {
  await page.waitForFunction(
    (wanted) => (globalThis as { seenStates?: string[] }).seenStates?.includes(wanted),
    state,
    timeout,
  );
}

/** Clicks "Create a link" (optionally self-contained) and returns the link once shown. */
export async function createLinkOn(page: BrowserPage, options: { selfContained?: boolean } = {}) {
  if (options.selfContained) await page.check(testId('self-contained'));
  await page.click(testId('create-link'));
  await waitForState(page, 'waiting');
  return page.inputValue(testId('link'));
}

/**
 * A link session between a page of `a` (A: creates the link) and one of `b` (B: opens it),
 * opened by `app` (useWebApp's fixture), once both pages say connected.
 */
export async function connectedPages(
  app: { open(path?: string, browser?: BrowserName): Promise<BrowserPage> },
  a: BrowserName,
  b: BrowserName,
): Promise<{ a: BrowserPage; b: BrowserPage }> {
  const pageA = await app.open('/', a);
  const link = await createLinkOn(pageA);
  const pageB = await app.open(link, b);
  await Promise.all([waitForState(pageA, 'connected'), waitForState(pageB, 'connected')]);
  return { a: pageA, b: pageB };
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
