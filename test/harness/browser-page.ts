/**
 * One page of the web app in either test browser: what the tests do with a page, so that one
 * test runs in Chromium (Playwright) and in Firefox (Puppeteer over WebDriver BiDi) alike.
 * Elements are found by CSS selectors; `testId(id)` spells the usual `[data-testid="id"]`.
 */
export type BrowserName = 'chromium' | 'firefox';

export interface BrowserPage {
  readonly browser: BrowserName;
  /**
   * The dialogs the page opened, by type ("beforeunload", "alert", ...), oldest first. A
   * "Leave this page?" (beforeunload) is accepted, so a reload goes ahead; others dismissed.
   */
  readonly dialogs: string[];
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** Runs `script` in every document this page loads from now on, before the page's own. */
  addInitScript(script: () => void): Promise<void>;
  click(selector: string): Promise<void>;
  /** Replaces the text of an input. */
  fill(selector: string, text: string): Promise<void>;
  /** Ticks a checkbox (no change if already ticked). */
  check(selector: string): Promise<void>;
  /** Chooses `path` in a file input. */
  setInputFile(selector: string, path: string): Promise<void>;
  /** Resolves once an element matches (attached, not necessarily visible). */
  waitFor(selector: string, timeout?: number): Promise<void>;
  /** Of the first match, now (null when nothing matches). */
  attribute(selector: string, name: string): Promise<string | null>;
  text(selector: string): Promise<string | null>;
  inputValue(selector: string): Promise<string>;
  count(selector: string): Promise<number>;
  /** A PNG of the first match. */
  screenshot(selector: string): Promise<Uint8Array>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Polls `fn` in the page until it returns a truthy value, and returns that value. */
  waitForFunction<R, A>(fn: (arg: A) => R, arg: A, timeout?: number): Promise<R>;
  isClosed(): boolean;
  close(): Promise<void>;
}

/** A browser the tests open pages in. */
export interface TestBrowser {
  readonly name: BrowserName;
  /** A fresh tab, before any navigation of the test's own. */
  newPage(): Promise<BrowserPage>;
  /**
   * Throws, listing them, when a page broke the server's Content-Security-Policy since the last
   * call, and forgets them.
   */
  assertNoCspViolations(): void;
  close(): Promise<void>;
}

export const testId = (id: string): string => `[data-testid="${id}"]`;

/** Who is A and who is B in a flow with two sides: every pairing of the two browsers. */
export const PAIRINGS: ReadonlyArray<{ a: BrowserName; b: BrowserName; name: string }> = (
  [
    ['chromium', 'chromium'],
    ['chromium', 'firefox'],
    ['firefox', 'chromium'],
    ['firefox', 'firefox'],
  ] as const
).map(([a, b]) => ({ a, b, name: `A ${a}, B ${b}` }));

/** How often page conditions are polled: 'raf' polling stalls in hidden headless tabs. */
export const POLL_MS = 50;

/** Defaults shared by both implementations. */
export const DEFAULT_WAIT_MS = 15_000;

/** Throws, listing them, if `violations` holds CSP violations a browser saw; empties it. */
export function throwOnViolations(violations: string[]): void {
  const met = violations.splice(0);
  if (met.length > 0) throw new Error(`Content-Security-Policy violations:\n${met.join('\n')}`);
}
