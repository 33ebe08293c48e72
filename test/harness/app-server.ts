import type { IceServer } from '@webrtc-connect/protocol';
import { createServer, type JwtOptions, type OidcOptions } from '@webrtc-connect/server';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import type { BrowserName, BrowserPage, TestBrowser } from './browser-page.ts';
import { type ChromiumHandle, type ChromiumOptions, launchChromium } from './chromium.ts';
import { type FirefoxOptions, launchFirefox } from './firefox.ts';
import { assertPrivateNetns } from './netns.ts';
import { chromiumBrowser } from './playwright-page.ts';
import { type BuiltApp, freshWebAppBuild } from './web-app-build.ts';
// The globalSetup's augmentation of vitest's ProvidedContext (`webAppBuild`).
import type {} from './web-app-global-setup.ts';
import { openApp } from './web-app-pages.ts';

export type { BuiltApp } from './web-app-build.ts';

export interface AppServer {
  /** e.g. `http://127.0.0.1:41234`: the mailbox API under /api, `webRoot` at /. */
  url: string;
  close(): Promise<void>;
}

/**
 * The real server (in-memory store), listening on a free loopback port; `devSignIn` turns on
 * its development sign-in, for the account page.
 */
export async function startAppServer(
  webRoot: string,
  options: {
    devSignIn?: boolean;
    corsOrigins?: string[];
    iceServers?: IceServer[];
    oidc?: OidcOptions;
    jwt?: JwtOptions;
    /** How long an offer lives (the server's --offer-ttl; default 10 min). */
    offerTtlMs?: number;
    /** Default: any free port. */
    port?: number;
    /** Default: 127.0.0.1 (side-netns.ts's pages reach it on SERVER_ADDRESS instead). */
    host?: string;
  } = {},
): Promise<AppServer> {
  const app = await createServer({
    webRoot,
    logLevel: 'silent',
    devSignIn: options.devSignIn ?? false,
    corsOrigins: options.corsOrigins ?? [],
    iceServers: options.iceServers ?? [],
    ...(options.oidc ? { oidc: options.oidc } : {}),
    ...(options.jwt ? { jwt: options.jwt } : {}),
    ...(options.offerTtlMs === undefined ? {} : { offerTtlMs: options.offerTtlMs }),
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no port');
  return { url: `http://${host}:${address.port}`, close: () => app.close() };
}

/**
 * The production build of apps/web (what `npm start` serves): in the browser tier, the one its
 * globalSetup made for the whole run (test/harness/web-app-global-setup.ts; `remove()` leaves
 * it); elsewhere (benchmarks, scripts, another project) a fresh one in a temporary directory.
 */
export async function buildWebApp(): Promise<BuiltApp> {
  // inject() needs a vitest worker: benchmarks and scripts run this under tsx.
  const shared = process.env.VITEST ? inject('webAppBuild') : undefined;
  if (shared) return { dir: shared, remove: async () => {} };
  return freshWebAppBuild();
}

export interface WebAppFixture {
  /** The server serving the build (valid inside tests, after `beforeAll`). */
  readonly server: AppServer;
  /** The build's directory, for a test that serves it once more with other options. */
  readonly webRoot: string;
  /** Chromium itself, for what only Playwright does (intercepting requests). */
  readonly chromium: ChromiumHandle;
  /** Opens `path` (default `/`) of the app in a new page of `browser`, closed after the test. */
  open(path?: string, browser?: BrowserName): Promise<BrowserPage>;
  /** A blank page of `browser`, closed after the test. */
  blankPage(browser?: BrowserName): Promise<BrowserPage>;
  /** Keeps a page opened some other way to close it after the test. */
  track(page: BrowserPage): BrowserPage;
  /** Throws, listing them, when a page of either browser broke the CSP since the last call. */
  assertNoCspViolations(): void;
}

export interface WebAppOptions {
  devSignIn?: boolean;
  chromium?: ChromiumOptions;
  /** Also launch Firefox (for tests in both browsers). */
  firefox?: boolean | FirefoxOptions;
}

/**
 * For a test file driving the web app: builds it, serves it with the real server and launches
 * Chromium (and Firefox if asked) before the file's tests (`beforeAll`), closes the pages after
 * each test and the rest after the file. Runs inside the private network namespace.
 */
export function useWebApp(options: WebAppOptions = {}): WebAppFixture {
  let built: BuiltApp | undefined;
  let server: AppServer | undefined;
  let chromium: ChromiumHandle | undefined;
  const browsers = new Map<BrowserName, TestBrowser>();
  let pages: BrowserPage[] = [];
  const browser = (name: BrowserName): TestBrowser => {
    const launched = browsers.get(name);
    if (!launched) throw new Error(`${name} was not launched: useWebApp({ ${name}: true })`);
    return launched;
  };
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the web app's ${what} is used before beforeAll`);
    return value;
  };
  const fixture: WebAppFixture = {
    get server() {
      return ready(server, 'server');
    },
    get webRoot() {
      return ready(built, 'build').dir;
    },
    get chromium() {
      return ready(chromium, 'browser');
    },
    async open(path = '/', name: BrowserName = 'chromium') {
      const url = /^https?:/.test(path) ? path : `${fixture.server.url}${path}`;
      return fixture.track(await openApp(browser(name), url));
    },
    async blankPage(name: BrowserName = 'chromium') {
      return fixture.track(await browser(name).newPage());
    },
    track(page) {
      pages.push(page);
      return page;
    },
    assertNoCspViolations() {
      for (const launched of browsers.values()) launched.assertNoCspViolations();
    },
  };
  beforeAll(async () => {
    assertPrivateNetns();
    built = await buildWebApp();
    server = await startAppServer(built.dir, { devSignIn: options.devSignIn ?? false });
    const firefoxOptions = options.firefox === true ? {} : options.firefox || null;
    // Side by side (Firefox takes seconds to start); whichever started is closed in afterAll.
    const [launched, firefox] = await Promise.allSettled([
      launchChromium(options.chromium),
      firefoxOptions ? launchFirefox(firefoxOptions) : null,
    ]);
    if (launched.status === 'fulfilled') {
      chromium = launched.value;
      browsers.set('chromium', chromiumBrowser(launched.value));
    }
    if (firefox.status === 'fulfilled' && firefox.value) browsers.set('firefox', firefox.value);
    for (const result of [launched, firefox]) if (result.status === 'rejected') throw result.reason;
  });
  afterEach(async () => {
    await Promise.all(pages.filter((page) => !page.isClosed()).map((page) => page.close()));
    pages = [];
    // The app runs under the server's CSP: anything it blocked is a failure of the test.
    fixture.assertNoCspViolations();
  });
  afterAll(async () => {
    await Promise.all([...browsers.values()].map((launched) => launched.close()));
    await server?.close();
    await built?.remove();
  });
  return fixture;
}
