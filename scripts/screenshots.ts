/**
 * `npm run screenshots`: the README's pictures of the web app, taken from the real thing. Builds
 * apps/web, serves it with the real server (development sign-in on, for the account page),
 * drives two Chromiums (a "Laptop" and a "Phone", each with its own profile and device name)
 * through the main screens, and writes docs/screenshots/<screen>-<size>.png at desktop and
 * phone sizes in the light scheme. Viewport captures, not full pages, to keep the files small.
 * Runs in the private network namespace (the two pages connect over WebRTC).
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { buildWebApp, startAppServer } from '../test/harness/app-server.ts';
import { type ChromiumHandle, launchChromium } from '../test/harness/chromium.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';

const OUT_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
/** A small image to send, so the receiver shows a preview. */
const IMAGE = fileURLToPath(new URL('../apps/web/public/icon-192.png', import.meta.url));

const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
type Size = keyof typeof SIZES;

/** The screens, in the order the README shows them. */
const SCREENS = ['home', 'link', 'answer', 'answer-qr', 'session', 'sound', 'account'] as const;
type Screen = (typeof SCREENS)[number];

const WAIT_MS = 20_000;
const id = (name: string) => `[data-testid="${name}"]`;

interface Devices {
  url: string;
  laptop: ChromiumHandle;
  phone: ChromiumHandle;
  size: Size;
  pages: Page[];
}

async function open(devices: Devices, device: 'laptop' | 'phone', path: string): Promise<Page> {
  const page = await devices[device].newPage();
  devices.pages.push(page);
  await page.setViewportSize(SIZES[devices.size]);
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
  await page.goto(`${devices.url}${path}`);
  return page;
}

async function shot(devices: Devices, page: Page, screen: Screen): Promise<void> {
  // No blinking caret or focus ring caught half-way: the picture is of the screen, not the moment.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const path = `${OUT_DIR}${screen}-${devices.size}.png`;
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  console.log(`wrote ${path}`);
}

async function waitForState(page: Page, state: string): Promise<void> {
  await page.waitForSelector(`${id('status')}[data-state="${state}"]`, {
    state: 'attached',
    timeout: WAIT_MS,
  });
}

async function nameDevice(page: Page, name: string): Promise<void> {
  await page.fill(id('device-name'), name);
}

async function takeScreens(devices: Devices): Promise<void> {
  // Home, then the link page of a mailbox link (short link, small QR code).
  const home = await open(devices, 'laptop', '/');
  await nameDevice(home, 'Laptop');
  await shot(devices, home, 'home');
  await home.click(id('create-link'));
  await waitForState(home, 'waiting');
  await home.waitForSelector(`${id('qr-code')} svg`, { timeout: WAIT_MS });
  await shot(devices, home, 'link');
  await home.close();

  // A self-contained link, so B's reply code stays on screen until A types it.
  const a = await open(devices, 'laptop', '/');
  await a.check(id('self-contained'));
  await a.click(id('create-link'));
  await waitForState(a, 'waiting');
  const link = await a.inputValue(id('link'));
  const b = await open(devices, 'phone', '/');
  await nameDevice(b, 'Phone');
  await b.goto(link);
  const code = await b.waitForSelector(id('reply-code'), { timeout: WAIT_MS });
  await shot(devices, b, 'answer');
  await a.fill(id('reply-input'), (await code.textContent()) ?? '');
  await a.click(id('reply-submit'));
  await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);

  // A short chat and an image, seen on B's side (with the preview).
  await a.fill(id('message-input'), 'Here is the icon for the slides.');
  await a.click(id('send'));
  await b.waitForSelector(`${id('messages')} li[data-from="peer"]`, { timeout: WAIT_MS });
  await b.fill(id('message-input'), 'Got it, thanks!');
  await b.click(id('send'));
  await a.waitForSelector(`${id('messages')} li[data-from="peer"]`, { timeout: WAIT_MS });
  await a.setInputFiles(id('file-input'), IMAGE);
  await b.waitForSelector(`${id('transfer')}[data-direction="incoming"] ${id('preview')}`, {
    timeout: WAIT_MS,
  });
  await b.waitForFunction(
    () => document.querySelector<HTMLImageElement>('[data-testid="preview"]')?.complete,
  );
  // On a phone the file is below the fold: show it (and the chat above it), as a person would.
  await b.locator(id('preview')).scrollIntoViewIfNeeded();
  await shot(devices, b, 'session');

  // No server at all: B shows its sealed answer as a QR code for A to scan.
  const offline = await open(devices, 'laptop', '/');
  await offline.check(id('qr-reply'));
  await offline.click(id('create-link'));
  await waitForState(offline, 'waiting');
  const qrAnswer = await open(devices, 'phone', '/');
  await qrAnswer.goto(await offline.inputValue(id('link')));
  await qrAnswer.waitForSelector(`${id('answer-qr')} svg`, { timeout: WAIT_MS });
  await shot(devices, qrAnswer, 'answer-qr');

  const sound = await open(devices, 'laptop', '/#sound');
  await sound.waitForSelector(id('sound-offer'), { timeout: WAIT_MS });
  await shot(devices, sound, 'sound');

  // Two devices of one user, so the list shows who relays for whom.
  const devicesOf = async (device: 'laptop' | 'phone') => {
    const page = await open(devices, device, '/');
    await page.evaluate(() => {
      for (const key of Object.keys(localStorage)) {
        if (key.includes('account')) localStorage.removeItem(key);
      }
    });
    await page.click(id('account-link'));
    await page.fill(id('account-name'), 'alice');
    await page.click(id('account-sign-in'));
    await page.waitForSelector(id('account-device-id'), { timeout: WAIT_MS });
    return page;
  };
  const account = await devicesOf('laptop');
  await devicesOf('phone');
  await account.waitForFunction(
    () => document.querySelectorAll('[data-testid="account-devices"] li').length === 2,
    undefined,
    { timeout: WAIT_MS },
  );
  await account.fill(id('account-message-input'), 'On both of my devices now.');
  await account.click(id('account-send'));
  await account.waitForSelector(`${id('account-messages')} li`, { timeout: WAIT_MS });
  await shot(devices, account, 'account');
}

async function main(): Promise<void> {
  assertPrivateNetns();
  await mkdir(OUT_DIR, { recursive: true });
  const built = await buildWebApp();
  const server = await startAppServer(built.dir, { devSignIn: true });
  const [laptop, phone] = await Promise.all([launchChromium(), launchChromium()]);
  try {
    for (const size of Object.keys(SIZES) as Size[]) {
      const devices: Devices = { url: server.url, laptop, phone, size, pages: [] };
      try {
        await takeScreens(devices);
      } finally {
        await Promise.all(devices.pages.map((page) => page.close()));
      }
    }
  } finally {
    await Promise.all([laptop.close(), phone.close()]);
    await server.close();
    await built.remove();
  }
}

await main();
