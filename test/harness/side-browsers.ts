import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserName, TestBrowser } from './browser-page.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './chromium.ts';
import { FIREFOX_PATH, launchFirefox } from './firefox.ts';
import { playwrightPage } from './playwright-page.ts';
import type { SideNetwork } from './side-netns.ts';

/** Runs the browser inside the side's namespace (and relays Firefox's control socket). */
const SIDE_EXECUTABLE = join(import.meta.dirname, 'side-browser.sh');

/**
 * A browser running inside `side`'s network namespace (side-netns.ts), for pages served from
 * `origin` (the server on SERVER_ADDRESS). Two things differ from the usual test browsers, both
 * because the pages are no longer on loopback:
 * - `origin` is plain http on a routed address, which no browser takes as a secure context by
 *   itself (WebCrypto, which the link needs, is missing outside one): the browser is told to.
 * - Host candidates carry raw addresses, not mDNS names: multicast does not cross the router
 *   between the sides, so the other side could never resolve a name (two devices on different
 *   networks reach each other through STUN addresses; here the hosts' are the routed ones).
 * The browser is driven as usual: Chromium over Playwright's pipe, Firefox over WebDriver BiDi
 * through side-bidi-relay.js. Pages open on about:blank, as the loopback blank pages of
 * chromium.ts are out of reach.
 */
export async function launchSideBrowser(
  name: BrowserName,
  side: SideNetwork,
  origin: string,
): Promise<TestBrowser> {
  const env = {
    WEBRTC_CONNECT_SIDE_PID: String(side.pid),
    WEBRTC_CONNECT_SIDE_BROWSER: name === 'chromium' ? CHROMIUM_PATH : FIREFOX_PATH,
  };
  if (name === 'firefox') {
    return launchFirefox({
      executablePath: SIDE_EXECUTABLE,
      env: { ...env, WEBRTC_CONNECT_SIDE_RELAY: '1' },
      prefs: {
        'dom.securecontext.allowlist': new URL(origin).hostname,
        'media.peerconnection.ice.obfuscate_host_addresses': false,
      },
    });
  }
  const profile = await mkdtemp(join(tmpdir(), 'webrtc-connect-side-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: SIDE_EXECUTABLE,
      headless: true,
      args: [
        ...CHROMIUM_FLAGS,
        `--unsafely-treat-insecure-origin-as-secure=${origin}`,
        '--disable-features=WebRtcHideLocalIpsWithMdns',
      ],
      env: { ...process.env, ...env },
    });
    // As in chromium.ts: esbuild's keepNames helper, which only Node has.
    await context.addInitScript('globalThis.__name = (fn) => fn;');
    return {
      name: 'chromium',
      newPage: async () => playwrightPage(await context.newPage()),
      // The server's CSP is checked by the usual fixtures (useWebApp); these pages are the same.
      assertNoCspViolations: () => {},
      close: async () => {
        try {
          await context.close();
        } finally {
          await rm(profile, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
