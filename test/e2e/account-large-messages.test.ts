// The account way's largest messages between browser pages, the library itself in each page,
// through the real server (development sign-in): Firefox ESR 140 receives a data-channel
// message over about 66,000 bytes wrongly when another follows it closely (docs/decisions.md,
// "The account way's large messages: 64 KiB pieces"), which lost a message for good and left
// its sender waiting. Every pairing of the browsers as broadcaster and clients.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startAccountServer } from '../harness/account-devices.ts';
import { type BlankServer, startBlankServer } from '../harness/blank-server.ts';
import {
  type BrowserName,
  type BrowserPage,
  PAIRINGS,
  type TestBrowser,
} from '../harness/browser-page.ts';
import { launchChromium } from '../harness/chromium.ts';
import { launchFirefox } from '../harness/firefox.ts';
import { bundleForPage, runBundle } from '../harness/page-bundle.ts';
import { chromiumBrowser } from '../harness/playwright-page.ts';

const KiB = 1024;

/** What the bundle puts on the page's globalThis. */
interface AccountDevice {
  join(server: string, token: string): Promise<string>;
  /** Resolves once this device is connected in a room of `count` devices. */
  room(count: number, timeoutMs: number): Promise<void>;
  /**
   * Sends messages of these sizes (bytes of a pattern seeded by `seed`); resolves with their
   * SHA-256s once every one is acknowledged by every other device, rejects after `timeoutMs`.
   */
  send(sizes: number[], seed: number, timeoutMs: number): Promise<string[]>;
  /** The SHA-256 of each binary message received from `from`, in order. */
  receivedFrom(from: string): Promise<string[]>;
}

const PAGE_SOURCE = `
import { joinAccount } from 'webrtc-connect/account';

let session;
const received = [];
const hex = async (bytes) =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
const pattern = (size, seed) => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) bytes[i] = (i * 31 + seed) % 251;
  return bytes;
};
const within = (promise, timeoutMs, what) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(what())), timeoutMs);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); },
    );
  });

globalThis.accountDevice = {
  async join(server, token) {
    session = await joinAccount({ server, token, RTCPeerConnection, deviceKey: false });
    session.on('message', ({ from, data }) => {
      if (typeof data !== 'string') received.push({ from, digest: hex(data) });
    });
    return session.id;
  },
  room(count, timeoutMs) {
    const formed = new Promise((resolve) => {
      const check = () => {
        if (session.state !== 'connected' || session.members.length !== count) return;
        for (const off of offs) off();
        resolve();
      };
      const offs = [session.on('state', check), session.on('members', check)];
      check();
    });
    return within(formed, timeoutMs, () => session.id + ': ' + session.state + ', ' + session.members.length + ' members');
  },
  async send(sizes, seed, timeoutMs) {
    const bodies = sizes.map((size, n) => pattern(size, seed + n));
    let acknowledged = 0;
    const all = Promise.all(bodies.map((body) => session.send(body).then(() => { acknowledged += 1; })));
    await within(all, timeoutMs, () => acknowledged + ' of ' + sizes.length + ' messages acknowledged');
    return Promise.all(bodies.map(hex));
  },
  receivedFrom(from) {
    return Promise.all(received.filter((message) => message.from === from).map((message) => message.digest));
  },
};
`;

let server: Awaited<ReturnType<typeof startAccountServer>>;
let blank: BlankServer;
let bundle: string;
const browsers = new Map<BrowserName, TestBrowser>();
const pages: BrowserPage[] = [];

beforeAll(async () => {
  const [account, blankServer, built, chromium, firefox] = await Promise.all([
    startAccountServer(),
    startBlankServer(),
    bundleForPage(PAGE_SOURCE),
    launchChromium(),
    launchFirefox(),
  ]);
  [server, blank, bundle] = [account, blankServer, built];
  browsers.set('chromium', chromiumBrowser(chromium));
  browsers.set('firefox', firefox);
});

afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.close()));
});

afterAll(async () => {
  await Promise.all([...browsers.values()].map((browser) => browser.close()));
  await blank?.close();
  await server?.app.close();
});

async function devicePage(browser: BrowserName): Promise<BrowserPage> {
  const page = await (browsers.get(browser) as TestBrowser).newPage();
  pages.push(page);
  await page.goto(`${blank.origin}/`);
  await runBundle(page, bundle);
  return page;
}

/** Where the page keeps it (page functions are serialised: they can use no helper of ours). */
type PageGlobal = { accountDevice: AccountDevice };

it.each(PAIRINGS)(
  'carries 192 and 255 KiB messages whole and in order, broadcaster in $a, clients in $b',
  async (pairing) => {
    const [a, b, c] = [
      await devicePage(pairing.a),
      await devicePage(pairing.b),
      await devicePage(pairing.b),
    ];
    const token = await server.signIn(`large-${pairing.a}-${pairing.b}`);
    const ids: string[] = [];
    // One after another: the first to join is the broadcaster.
    for (const page of [a, b, c]) {
      ids.push(
        await page.evaluate(
          (args) => (globalThis as unknown as PageGlobal).accountDevice.join(args.url, args.token),
          { url: server.url, token },
        ),
      );
    }
    await Promise.all(
      [a, b, c].map((page) =>
        page.evaluate(() => (globalThis as unknown as PageGlobal).accountDevice.room(3, 20_000)),
      ),
    );

    // Back to back, as an app sends a file: each body's frame follows the body before it.
    const fromC = await c.evaluate(
      (sizes) => (globalThis as unknown as PageGlobal).accountDevice.send(sizes, 1, 30_000),
      [192 * KiB, 255 * KiB, 192 * KiB, 100 * KiB, 255 * KiB, 192 * KiB, 255 * KiB, 192 * KiB],
    );
    const fromA = await a.evaluate(
      (sizes) => (globalThis as unknown as PageGlobal).accountDevice.send(sizes, 50, 30_000),
      [255 * KiB, 192 * KiB],
    );
    const [idA, , idC] = ids as [string, string, string];
    for (const page of [a, b]) {
      expect(
        await page.evaluate(
          (from) => (globalThis as unknown as PageGlobal).accountDevice.receivedFrom(from),
          idC,
        ),
      ).toEqual(fromC);
    }
    for (const page of [b, c]) {
      expect(
        await page.evaluate(
          (from) => (globalThis as unknown as PageGlobal).accountDevice.receivedFrom(from),
          idA,
        ),
      ).toEqual(fromA);
    }
  },
);
