// The sound way through a real audio path: a PulseAudio daemon with a null sink and a remap
// source of its monitor (DESIGN.md §8). Pages really play into the sink (no --mute-audio) and
// really record the source, through Web Audio, the capture worklet and the decoder's worker.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppServer,
  type BuiltApp,
  buildWebApp,
  startAppServer,
} from '../harness/app-server.ts';
import {
  type BrowserName,
  type BrowserPage,
  PAIRINGS,
  type TestBrowser,
  testId,
} from '../harness/browser-page.ts';
import { launchChromium } from '../harness/chromium.ts';
import { launchFirefox } from '../harness/firefox.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { chromiumBrowser } from '../harness/playwright-page.ts';
import { type PulseAudio, startPulseAudio } from '../harness/pulseaudio.ts';
import {
  createLinkOn,
  expectSameSas,
  openApp,
  replyCodeOn,
  sendChat,
  serviceWorkerControls,
  waitForState,
} from '../harness/web-app-pages.ts';

let built: BuiltApp;
let server: AppServer;
let pulse: PulseAudio;
const browsers = new Map<BrowserName, TestBrowser>();
let pages: BrowserPage[] = [];

beforeAll(async () => {
  assertPrivateNetns();
  built = await buildWebApp();
  server = await startAppServer(built.dir);
  pulse = await startPulseAudio();
  // Both browsers play into the one sink and record its monitor: one room.
  const [chromium, firefox] = await Promise.all([
    launchChromium({ acceptRealMedia: true, muteAudio: false, env: pulse.env }),
    launchFirefox({ env: pulse.env }),
  ]);
  browsers.set('chromium', chromiumBrowser(chromium)).set('firefox', firefox);
});

afterEach(async () => {
  await Promise.all(pages.map((page) => page.close()));
  pages = [];
  // The worklet and decoder worker run under the server's CSP: anything blocked fails.
  for (const browser of browsers.values()) browser.assertNoCspViolations();
});

afterAll(async () => {
  await Promise.all([...browsers.values()].map((browser) => browser.close()));
  await pulse?.close();
  await server?.close();
  await built?.remove();
});

async function open(url: string, browser: BrowserName = 'chromium'): Promise<BrowserPage> {
  const launched = browsers.get(browser);
  if (!launched) throw new Error(`${browser} did not start`);
  const page = await openApp(launched, url);
  pages.push(page);
  return page;
}

/** The streams playing into the daemon's sink right now. */
async function sinkInputs(): Promise<number> {
  const { stdout } = await promisify(execFile)('pactl', ['list', 'short', 'sink-inputs'], {
    env: { ...process.env, ...pulse.env },
  });
  return stdout.split('\n').filter((line) => line.trim() !== '').length;
}

/** Waits, bounded, until nothing plays into the sink any more. */
async function sinkFallsSilent(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await sinkInputs()) > 0) {
    if (Date.now() > deadline) throw new Error('the pages still play into the sink');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * How long a page may take to hear a sound, and then to connect. Decoding runs in a worker
 * that, starved of CPU, is queued blocks behind the sound (the worklet drops none), so a loaded
 * machine hears later: at load 17 to 22 on two cores here an offer took 14 s to be heard
 * (1.9 s at load 12) and an answer 10 s (1.5 s); robust and narrowband sounds ran past the
 * former 40 s, and the waits of a test added up to more than its 60 s. Now bounds that fit
 * inside each test's TEST_MS: a slow machine changes the time, not the outcome.
 */
const HEARD_MS = 90_000;
const CONNECTED_MS = 60_000;
const TEST_MS = 30_000 + HEARD_MS + CONNECTED_MS;

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2);
}

/**
 * Chromium as A, either browser as B. Firefox as the offering page (A) never reached 'playing'
 * here while another page listened on the same daemon, though alone it does: not yet explained,
 * so not yet covered.
 */
const SOUND_PAIRINGS = PAIRINGS.filter((pairing) => pairing.a === 'chromium');

describe('connect by sound through PulseAudio (null sink, remap source of its monitor)', {
  timeout: TEST_MS,
}, () => {
  it("B's page plays its answer into the sink, A's page hears it from the source; playback stops once connected", async () => {
    const a = await open(`${server.url}/`);
    // Self-contained: A gets no reply from the mailbox by itself, only by sound (or a typed code).
    const link = await createLinkOn(a, { selfContained: true });
    const b = await open(link);
    await replyCodeOn(b);
    await a.click(testId('listen-sound'));
    await a.waitFor('[data-testid="sound-panel"][data-state="listening"]');

    const playStart = performance.now();
    await b.click(testId('play-sound'));
    await b.waitFor('[data-testid="sound-playing"][data-state="playing"]');
    const bytes = await b.attribute(testId('sound-playing'), 'data-bytes');
    expect(await sinkInputs()).toBeGreaterThan(0);
    await Promise.all([
      waitForState(a, 'connected', HEARD_MS),
      waitForState(b, 'connected', HEARD_MS),
    ]);
    console.info(
      `sound (PulseAudio, answer by sound): answer ${bytes} bytes, connected ${seconds(playStart)} s after play started`,
    );
    await sinkFallsSilent();
    await expectSameSas(a, b);
    await sendChat(a, b, 'through the speaker');
    await sendChat(b, a, 'and back by the data channel');
  });

  /** A and B on the sound page from the home page; B chose "Join" and listens. */
  async function soundPagesWithBListening(
    base = server.url,
    browserA: BrowserName = 'chromium',
    browserB: BrowserName = 'chromium',
  ): Promise<[BrowserPage, BrowserPage]> {
    const a = await open(`${base}/`, browserA);
    const b = await open(`${base}/`, browserB);
    await a.click(testId('sound-link'));
    await b.click(testId('sound-link'));
    await b.click(testId('sound-answer'));
    await waitForState(b, 'listening');
    return [a, b];
  }

  it.each(SOUND_PAIRINGS)(
    'both legs by sound from the home page: no link, no code, no mailbox ($name)',
    async (pairing) => {
      const [a, b] = await soundPagesWithBListening(server.url, pairing.a, pairing.b);

      const playStart = performance.now();
      await a.click(testId('sound-offer'));
      await waitForState(a, 'playing');
      const offerBytes = await a.attribute(
        '[data-testid="sound-playing"][data-state="playing"]',
        'data-bytes',
      );
      // Firefox's capture from the PulseAudio source took 7 to 45 s to hear the offer here
      // (Chromium's 2 to 7 s), on a loaded two-core machine.
      await waitForState(b, 'answering', HEARD_MS);
      const heard = seconds(playStart);
      await Promise.all([
        waitForState(a, 'connected', CONNECTED_MS),
        waitForState(b, 'connected', CONNECTED_MS),
      ]);
      console.info(
        `sound (PulseAudio, both legs, ${pairing.name}): offer ${offerBytes} bytes heard after ${heard} s, connected ${seconds(playStart)} s after play started`,
      );
      await sinkFallsSilent();
      await expectSameSas(a, b);
      await sendChat(a, b, 'no server at all');
      await sendChat(b, a, 'only sound');
    },
  );

  it('both legs in a noisy room: A alone ticks the choice, and both play the sturdier sound', async () => {
    const [a, b] = await soundPagesWithBListening();

    const airtime = async (page: BrowserPage) =>
      Number(
        await page.attribute('[data-testid="sound-playing"][data-state="playing"]', 'data-airtime'),
      );
    const playStart = performance.now();
    await a.check(testId('noisy-room'));
    await a.click(testId('sound-offer'));
    await waitForState(a, 'playing');
    // The robust profile: about 2.5 s a copy for these sizes, against about 1 s for fast.
    expect(await airtime(a)).toBeGreaterThan(2);
    await waitForState(b, 'answering', HEARD_MS);
    expect(await airtime(b)).toBeGreaterThan(2);
    await Promise.all([
      waitForState(a, 'connected', CONNECTED_MS),
      waitForState(b, 'connected', CONNECTED_MS),
    ]);
    console.info(
      `sound (PulseAudio, both legs, robust): connected ${seconds(playStart)} s after play started`,
    );
    await expectSameSas(a, b);
  });

  it('both legs through a phone call: A ticks the box, the page says why, both play narrowband', async () => {
    const [a, b] = await soundPagesWithBListening();
    await a.check(testId('phone-call'));
    expect(await a.text(testId('narrowband-reason'))).toMatch(/300 to 3400 Hz/);
    await a.click(testId('sound-offer'));
    await waitForState(a, 'playing');
    await waitForState(b, 'answering', HEARD_MS);
    // Narrowband: about 2 s a copy for these sizes (fast about 1 s, robust about 2.5 s).
    for (const page of [a, b]) {
      const airtime = Number(
        await page.attribute('[data-testid="sound-playing"][data-state="playing"]', 'data-airtime'),
      );
      expect(airtime).toBeGreaterThan(1.5);
      expect(airtime).toBeLessThan(2.3);
    }
    await Promise.all([
      waitForState(a, 'connected', CONNECTED_MS),
      waitForState(b, 'connected', CONNECTED_MS),
    ]);
    await expectSameSas(a, b);
  });

  it('opened once, the app opens again with its server stopped, and two pages connect by sound', async () => {
    const own = await startAppServer(built.dir);
    let running = true;
    try {
      const first = await open(`${own.url}/`);
      // The service worker has kept the app once it controls the page.
      await serviceWorkerControls(first);
      await own.close();
      running = false;
      const health = await first.evaluate(() =>
        fetch('/api/health').then(
          () => 'reached',
          () => 'unreachable',
        ),
      );
      expect(health).toBe('unreachable');

      const [a, b] = await soundPagesWithBListening(own.url);
      await a.click(testId('sound-offer'));
      await waitForState(b, 'answering', HEARD_MS);
      await Promise.all([
        waitForState(a, 'connected', CONNECTED_MS),
        waitForState(b, 'connected', CONNECTED_MS),
      ]);
      await expectSameSas(a, b);
      await sendChat(a, b, 'no server, no network');
    } finally {
      if (running) await own.close();
    }
  });
});
