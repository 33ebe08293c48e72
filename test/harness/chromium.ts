import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type BlankServer, startBlankServer } from './blank-server.ts';
import { throwOnViolations } from './browser-page.ts';

/** Debian's Chromium: no browser download (DESIGN.md §8). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags every test browser gets: headless, and nothing that phones home. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumOptions {
  /**
   * Fake capture devices, so getUserMedia works without hardware. With 'devices' only pages
   * opened with `mediaPermission` may use them. 'auto-accept' also answers every permission
   * prompt (--use-fake-ui-for-media-stream): that grants media permission to every origin, and
   * Chromium then puts raw IP addresses instead of mDNS names in every page's candidates.
   */
  fakeMedia?: 'devices' | 'auto-accept';
  /** WAV file the fake microphone plays (in a loop); implies fake devices. */
  fakeAudioFile?: string;
  /**
   * Y4M file the fake camera shows (in a loop; see y4m.ts); implies fake devices. Chromium reads
   * it each time a page starts the camera, so a test may rewrite it (same size) in between.
   */
  fakeVideoFile?: string;
  /** False drops Playwright's --mute-audio, so playback reaches a (PulseAudio) sink. */
  muteAudio?: boolean;
  /**
   * Answer every permission prompt (--use-fake-ui-for-media-stream) while capturing from the
   * real devices (a PulseAudio source in tests), not fake ones.
   */
  acceptRealMedia?: boolean;
  /** Added to the browser's environment (e.g. PULSE_SERVER). */
  env?: Record<string, string>;
  /** More command-line flags (e.g. --ignore-certificate-errors for a self-signed server). */
  args?: readonly string[];
}

export interface NewPageOptions {
  /**
   * Open the page on an origin that holds microphone and camera permission. Chromium exposes raw
   * host addresses (and TCP candidates) to such pages; others get mDNS `<uuid>.local` names.
   */
  mediaPermission?: boolean;
}

export interface ChromiumHandle {
  /** A fresh tab on a blank loopback page (a secure context), ready for WebRTC. */
  newPage(options?: NewPageOptions): Promise<Page>;
  /**
   * Throws, listing them, when a page broke its Content-Security-Policy since the last call
   * (a blocked script, worker, worklet, style, connection...), and forgets them.
   */
  assertNoCspViolations(): void;
  /** Closes the browser, the blank-page servers and removes the temporary profile. */
  close(): Promise<void>;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumHandle> {
  const args = [...CHROMIUM_FLAGS, ...(options.args ?? [])];
  if (
    options.fakeMedia !== undefined ||
    options.fakeAudioFile !== undefined ||
    options.fakeVideoFile !== undefined
  ) {
    args.push('--use-fake-device-for-media-stream');
  }
  if (options.fakeMedia === 'auto-accept' || options.acceptRealMedia)
    args.push('--use-fake-ui-for-media-stream');
  if (options.fakeAudioFile !== undefined) {
    args.push(`--use-file-for-fake-audio-capture=${options.fakeAudioFile}`);
  }
  if (options.fakeVideoFile !== undefined) {
    args.push(`--use-file-for-fake-video-capture=${options.fakeVideoFile}`);
  }

  // Two origins, because Chromium grants media permission (and with it raw addresses) per origin.
  const servers: BlankServer[] = [];
  const profile = await mkdtemp(join(tmpdir(), 'webrtc-connect-chromium-'));
  let context: BrowserContext | undefined;
  const close = async () => {
    try {
      await context?.close();
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      await rm(profile, { recursive: true, force: true });
    }
  };
  try {
    servers.push(await startBlankServer(), await startBlankServer());
    const [plain, permitted] = servers as [BlankServer, BlankServer];
    // A persistent context is how Playwright takes our own --user-data-dir (it rejects the flag).
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args,
      ...(options.muteAudio === false ? { ignoreDefaultArgs: ['--mute-audio'] } : {}),
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    });
    await context.grantPermissions(['microphone', 'camera'], { origin: permitted.origin });
    // Functions handed to page.evaluate are compiled by tsx/vite first, and esbuild's keepNames
    // wraps named inner functions in a `__name(fn, "name")` helper that exists only in Node.
    await context.addInitScript('globalThis.__name = (fn) => fn;');
    // A CSP violation fails the test that meets it: the page's event, and the console line
    // Chromium writes for what the event does not reach (workers, worklets).
    const violations: string[] = [];
    await context.exposeBinding('reportCspViolation', (_source, text: string) => {
      violations.push(text);
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        const report = (globalThis as { reportCspViolation?: (text: string) => void })
          .reportCspViolation;
        report?.(`${event.violatedDirective} blocked ${event.blockedURI} on ${event.documentURI}`);
      });
    });
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const browserContext = context;
    return {
      newPage: async (pageOptions = {}) => {
        const page = await browserContext.newPage();
        await page.goto(`${pageOptions.mediaPermission ? permitted.origin : plain.origin}/`);
        return page;
      },
      assertNoCspViolations: () => throwOnViolations(violations),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
