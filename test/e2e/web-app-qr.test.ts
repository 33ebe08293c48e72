// QR codes both ways in the web app, in Chromium with a fake camera fed from a video file this
// test writes from the QR code a page shows: B scans A's link to open it, and with no server at
// all B shows its sealed answer as a QR code that A scans. The decoder is ZXing (WebAssembly),
// since Chromium on Linux has no BarcodeDetector for QR codes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { seriousAxeViolations } from '../harness/axe.ts';
import { type BrowserPage, testId } from '../harness/browser-page.ts';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { playwrightPage } from '../harness/playwright-page.ts';
import {
  createLinkOn,
  expectSameSas,
  sendChat,
  shownError,
  waitForState,
} from '../harness/web-app-pages.ts';
import { qrModulesOf, qrModulesOn, writeQrVideo } from '../harness/y4m.ts';

// This Chromium has fake devices but grants the app's origin no camera: a prompt nobody
// answers. Firefox's fake camera shows moving colours, no QR code: enough to load the reader.
const app = useWebApp({ chromium: { fakeMedia: 'devices' }, firefox: { fakeMedia: true } });

/** A device with a camera: its own Chromium, whose fake camera shows what `video` holds. */
interface CameraDevice {
  video: string;
  chromium: ChromiumHandle;
  pages: Page[];
}

let scratch: string;
let deviceA: CameraDevice;
let deviceB: CameraDevice;

async function cameraDevice(name: string): Promise<CameraDevice> {
  const video = join(scratch, `${name}.y4m`);
  // Chromium checks the file as it starts; what it shows is read when a page starts the camera.
  await writeQrVideo(video, null);
  const chromium = await launchChromium({ fakeMedia: 'auto-accept', fakeVideoFile: video });
  return { video, chromium, pages: [] };
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'webrtc-connect-qr-'));
  [deviceA, deviceB] = await Promise.all([cameraDevice('a'), cameraDevice('b')]);
});

afterEach(async () => {
  for (const device of [deviceA, deviceB]) {
    await Promise.all(device.pages.splice(0).map((page) => page.close()));
    device.chromium.assertNoCspViolations();
  }
});

afterAll(async () => {
  await Promise.all([deviceA, deviceB].map((device) => device?.chromium.close()));
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/**
 * Opens the app on a camera device. Every camera stream the page starts is kept, so the test
 * can check that the page stopped it; requests to the server's API are refused if `offline`.
 */
async function openOn(
  device: CameraDevice,
  options: { offline?: boolean } = {},
): Promise<{ page: BrowserPage; raw: Page; apiRequests: string[] }> {
  const raw = await device.chromium.newPage();
  device.pages.push(raw);
  const apiRequests: string[] = [];
  if (options.offline) {
    await raw.route('**/api/**', (route) => {
      apiRequests.push(route.request().url());
      return route.abort('connectionrefused');
    });
  }
  await raw.addInitScript(() => {
    const streams: MediaStream[] = [];
    (globalThis as { cameraStreams?: MediaStream[] }).cameraStreams = streams;
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await original(constraints);
      streams.push(stream);
      return stream;
    };
    // Which reader each scan used (the scanner's data-decoder), noted before the panel goes.
    const decoders: string[] = [];
    (globalThis as { decoders?: string[] }).decoders = decoders;
    new MutationObserver((records) => {
      for (const record of records) {
        const kind = (record.target as HTMLElement).dataset.decoder;
        if (kind) decoders.push(kind);
      }
    }).observe(document, { attributes: true, attributeFilter: ['data-decoder'], subtree: true });
  });
  const page = playwrightPage(raw);
  await page.goto(`${app.server.url}/`);
  return { page, raw, apiRequests };
}

/** How many camera tracks the page started, and how many of them still run. */
function cameraTracks(page: BrowserPage): Promise<{ started: number; live: number }> {
  return page.evaluate(() => {
    const tracks = ((globalThis as { cameraStreams?: MediaStream[] }).cameraStreams ?? []).flatMap(
      (stream) => stream.getTracks(),
    );
    return {
      started: tracks.length,
      live: tracks.filter((track) => track.readyState === 'live').length,
    };
  });
}

describe('QR scanning in the web app (Chromium, fake camera)', () => {
  it("B scans A's link from A's screen, the link opens, and the two connect", async () => {
    const a = await app.open();
    const link = await createLinkOn(a);
    await writeQrVideo(deviceB.video, await qrModulesOn(a, testId('qr-code')));

    const { page: b } = await openOn(deviceB);
    await b.click(testId('scan-button'));
    // Opening the link starts B's answer page, which connects through the mailbox as usual.
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected', 30_000)]);
    expect(await b.evaluate(() => location.href)).toBe(link);
    await expectSameSas(a, b);
    await sendChat(b, a, 'scanned, not typed');
  });

  it('connects with no server at all: B scans A’s self-contained link, A scans B’s answer QR code', async () => {
    const { page: a, raw: rawA, apiRequests: fromA } = await openOn(deviceA, { offline: true });
    await a.check(testId('qr-reply'));
    const link = await createLinkOn(a);
    expect(new URL(link).searchParams.get('reply')).toBe('qr');
    await writeQrVideo(deviceB.video, await qrModulesOn(a, testId('qr-code')));

    const { page: b, raw: rawB, apiRequests: fromB } = await openOn(deviceB, { offline: true });
    await b.click(testId('scan-button'));
    // B answers with no mailbox and shows the sealed answer as a QR code; A's camera sees it.
    await waitForState(b, 'waiting', 30_000);
    await writeQrVideo(deviceA.video, await qrModulesOn(b, testId('answer-qr')));
    expect(await b.count(testId('reply-code'))).toBe(0);
    // The two screens this way adds pass axe like the others (web-app-a11y.test.ts).
    expect(await seriousAxeViolations(rawA), "A's link page, QR answer").toEqual([]);
    expect(await seriousAxeViolations(rawB), "B's answer QR code").toEqual([]);

    await a.click(testId('scan-button'));
    await Promise.all([waitForState(a, 'connected', 30_000), waitForState(b, 'connected')]);
    // Chromium on Linux has no BarcodeDetector for QR codes: ZXing's WebAssembly read it, under
    // the app's CSP (afterEach checks that nothing was blocked).
    expect(await a.evaluate(() => (globalThis as { decoders?: string[] }).decoders)).toEqual([
      'zxing',
    ]);
    await expectSameSas(a, b);
    await sendChat(a, b, 'no server, no sound');
    await sendChat(b, a, 'just two cameras');
    // A's camera stopped once the answer was read (B's page was left for the link, with its own).
    expect(await cameraTracks(a)).toEqual({ started: 1, live: 0 });
    // Nothing reached the server but the optional ICE server list (refused here).
    for (const url of [...fromA, ...fromB]) expect(new URL(url).pathname).toBe('/api/ice-servers');
  });

  it('leaves a QR code that is not a link of this app unopened, says why, and Stop turns the camera off', async () => {
    await writeQrVideo(deviceA.video, qrModulesOf('https://example.com/#not-a-link-of-ours'));
    const { page } = await openOn(deviceA);
    const home = await page.evaluate(() => location.href);
    await page.click(testId('scan-button'));
    const refused = await shownError(page, 'scan-message');
    expect(refused.code).toBe('ERR_WRONG_QR_CODE');
    expect(refused.text).toContain('leads to another site (https://example.com)');
    // Still scanning, for the right code: the camera runs until Stop.
    expect(await cameraTracks(page)).toEqual({ started: 1, live: 1 });
    expect(await page.attribute('.scan', 'data-camera')).toBe('on');
    await page.click(testId('scan-stop'));
    expect(await cameraTracks(page)).toEqual({ started: 1, live: 0 });
    expect(await page.attribute('.scan', 'data-camera')).toBe('off');
    expect(await page.evaluate(() => location.href)).toBe(home);
  });

  it('loads the ZXing reader in Firefox (no BarcodeDetector there) under the CSP, and stops', async () => {
    const page = await app.open('/', 'firefox');
    await page.click(testId('scan-button'));
    await page.waitFor('.scan[data-camera="on"][data-decoder="zxing"]');
    await page.click(testId('scan-stop'));
    await page.waitFor('.scan[data-camera="off"]');
    expect(await page.text(testId('scan-message'))).toBe('');
    // afterEach fails the test if the page's CSP blocked the WebAssembly or anything else.
  });

  it('says so at once when the QR reader cannot be loaded, and stops the camera', async () => {
    // As on a device offline that never kept the reader's WebAssembly: a fresh profile, no
    // service worker, the WebAssembly refused.
    const fresh = await launchChromium({ fakeMedia: 'auto-accept' });
    try {
      const raw = await fresh.newPage();
      // No service worker either: it would fetch and serve the WebAssembly past the route.
      await raw.addInitScript(() => {
        ServiceWorkerContainer.prototype.register = () => new Promise(() => {});
      });
      await raw.route('**/*.wasm', (route) => route.abort('connectionrefused'));
      const page = playwrightPage(raw);
      await page.goto(`${app.server.url}/`);
      await page.click(testId('scan-button'));
      const failed = await shownError(page, 'scan-message');
      expect(failed.code).toBe('ERR_QR_READER');
      expect(failed.text).toContain('The QR reader could not be loaded');
      expect(await page.attribute('.scan', 'data-camera')).toBe('off');
    } finally {
      await fresh.close();
    }
  });

  it('says in a sentence that this device has no camera', async () => {
    // What Chromium answers on a machine with no camera at all (seen on this one with real
    // devices): NotFoundError. Made here so that a machine with a webcam gives the same.
    const page = await app.blankPage();
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
    });
    await page.goto(`${app.server.url}/`);
    await page.click(testId('scan-button'));
    const missing = await shownError(page, 'scan-message');
    expect(missing.code).toBe('ERR_NO_CAMERA');
    expect(missing.text).toContain('This device has no camera the browser can use.');
    expect(missing.text).toContain('Open the link on this device by hand instead.');
  });

  it('says in a sentence that the camera was refused, and scanning can be tried again', async () => {
    const page = await app.open();
    await page.click(testId('scan-button'));
    const refused = await shownError(page, 'scan-message');
    expect(refused.code).toBe('ERR_CAMERA_REFUSED');
    expect(refused.text).toContain('The camera was refused');
    expect(refused.text).toContain('Open the link on this device by hand instead.');
    expect(await page.attribute('.scan', 'data-camera')).toBe('off');
    expect(
      await page.evaluate(() =>
        document.querySelector('button[data-testid="scan-button"]')?.hasAttribute('disabled'),
      ),
    ).toBe(false);
  });
});
