/**
 * What resumable file transfers cost: a 48 MiB file of random bytes between two pages of the
 * same browser (Chromium, then Firefox) over one data channel, sent by `createMessenger` plain
 * and resumable, rounds interleaved on the same two pages so load and drift hit every way alike.
 * Time from `sendFile` to `done` (the receiver counted, and for resumable ways checked the
 * SHA-256 of, every byte). Ways:
 * - plain: `createMessenger(channel)`;
 * - hashed: with a `FileResume` and no store (the SHA-256 alone);
 * - web app: what the web app does, a `FileResume` whose store is IndexedDB (the receiver's
 *   bytes every MiB) and the sender's File kept in IndexedDB until done.
 */
import { join } from 'node:path';
import { startBlankServer } from '../test/harness/blank-server.ts';
import type { BrowserName, BrowserPage, TestBrowser } from '../test/harness/browser-page.ts';
import { launchChromium } from '../test/harness/chromium.ts';
import { launchFirefox } from '../test/harness/firefox.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';
import { bundleForPage, runBundle } from '../test/harness/page-bundle.ts';
import { chromiumBrowser } from '../test/harness/playwright-page.ts';

export const TRANSFER_WAYS = ['plain', 'hashed', 'web app'] as const;
export type TransferWay = (typeof TRANSFER_WAYS)[number];

export interface FileTransferRow {
  browser: BrowserName;
  way: TransferWay;
  seconds: number[];
}

export interface FileTransferResult {
  mebibytes: number;
  rounds: number;
  rows: FileTransferRow[];
}

const MIB = 1024 * 1024;

/** What the bundle puts on each page's globalThis. */
interface PageApi {
  pc: RTCPeerConnection;
  channel: Promise<RTCDataChannel>;
  file?: File;
  offer(): Promise<RTCSessionDescriptionInit>;
  answer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit>;
  makeFile(size: number): void;
  /** Receives one file the `way` given; resolves once it was received (and detaches). */
  receive(way: TransferWay): Promise<void>;
  received?: Promise<void>;
  /** Sends the page's file the `way` given; resolves to the milliseconds until `done`. */
  send(way: TransferWay): Promise<number>;
}

const PAGE_SOURCE = (store: string) => `
import { createMessenger, FileResume } from 'webrtc-connect';
import { forgetSending, keepSending, receivedBytesStore } from ${JSON.stringify(store)};

const pc = new RTCPeerConnection();
const opened = (channel) =>
  channel.readyState === 'open'
    ? Promise.resolve(channel)
    : new Promise((resolve) => channel.addEventListener('open', () => resolve(channel), { once: true }));
const gathered = async () => {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((resolve) =>
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') resolve();
      }),
    );
  }
  return pc.localDescription.toJSON();
};
const options = (way) =>
  way === 'plain' ? {} : { resume: new FileResume(way === 'web app' ? { store: receivedBytesStore } : {}) };
const api = {
  pc,
  async offer() {
    api.channel = opened(pc.createDataChannel('files'));
    await pc.setLocalDescription(await pc.createOffer());
    return gathered();
  },
  async answer(offer) {
    api.channel = new Promise((resolve) =>
      pc.addEventListener('datachannel', (event) => resolve(opened(event.channel)), { once: true }),
    );
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    return gathered();
  },
  makeFile(size) {
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
    api.file = new File([bytes], 'random.bin');
  },
  async receive(way) {
    const messenger = createMessenger(await api.channel, options(way));
    api.received = new Promise((resolve, reject) => {
      messenger.on('file-received', () => { messenger.detach(); resolve(); });
      messenger.on('file-failed', ({ error }) => { messenger.detach(); reject(error); });
    });
  },
  async send(way) {
    const messenger = createMessenger(await api.channel, options(way));
    const started = performance.now();
    const outgoing = messenger.sendFile(api.file);
    const { key } = outgoing.file;
    const kept = way === 'web app' && key ? keepSending('bench', key, api.file) : undefined;
    await outgoing.done;
    const ms = performance.now() - started;
    if (kept) await kept.then(() => forgetSending(key));
    messenger.detach();
    return ms;
  },
};
Object.assign(globalThis, api);
globalThis.api = api;
`;

export async function benchFileTransfer(rounds = 5, mebibytes = 48): Promise<FileTransferResult> {
  assertPrivateNetns();
  const store = join(import.meta.dirname, '../apps/web/src/transfer-store.ts');
  const bundle = await bundleForPage(PAGE_SOURCE(store));
  const blank = await startBlankServer();
  const rows: FileTransferRow[] = [];
  try {
    for (const name of ['chromium', 'firefox'] as const) {
      const browser: TestBrowser =
        name === 'chromium' ? chromiumBrowser(await launchChromium()) : await launchFirefox();
      try {
        const [a, b] = await Promise.all([
          page(browser, blank.origin, bundle),
          page(browser, blank.origin, bundle),
        ]);
        await connect(a, b);
        await a.evaluate(
          (size) => (globalThis as unknown as { api: PageApi }).api.makeFile(size),
          mebibytes * MIB,
        );
        const byWay = new Map<TransferWay, FileTransferRow>();
        for (const way of TRANSFER_WAYS) {
          const row = { browser: name, way, seconds: [] };
          byWay.set(way, row);
          rows.push(row);
        }
        // A warm-up round of each way first, not counted (the first transfer of a page is slow).
        for (let round = -1; round < rounds; round += 1) {
          for (const way of TRANSFER_WAYS) {
            const ms = await transfer(a, b, way);
            if (round >= 0) byWay.get(way)?.seconds.push(Math.round(ms) / 1000);
          }
        }
      } finally {
        await browser.close();
      }
    }
  } finally {
    await blank.close();
  }
  return { mebibytes, rounds, rows };
}

async function page(browser: TestBrowser, origin: string, bundle: string): Promise<BrowserPage> {
  const opened = await browser.newPage();
  await opened.goto(`${origin}/`);
  await runBundle(opened, bundle);
  return opened;
}

async function connect(a: BrowserPage, b: BrowserPage): Promise<void> {
  const offer = await a.evaluate(() => (globalThis as unknown as { api: PageApi }).api.offer());
  const answer = await b.evaluate(
    (description) => (globalThis as unknown as { api: PageApi }).api.answer(description),
    offer,
  );
  await a.evaluate(async (description) => {
    const { api } = globalThis as unknown as { api: PageApi };
    await api.pc.setRemoteDescription(description);
    await api.channel;
  }, answer);
  await b.evaluate(async () => {
    await (globalThis as unknown as { api: PageApi }).api.channel;
  });
}

async function transfer(a: BrowserPage, b: BrowserPage, way: TransferWay): Promise<number> {
  await b.evaluate((w) => (globalThis as unknown as { api: PageApi }).api.receive(w), way);
  const ms = await a.evaluate((w) => (globalThis as unknown as { api: PageApi }).api.send(w), way);
  await b.evaluate(() => (globalThis as unknown as { api: PageApi }).api.received);
  return ms;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

export function printFileTransfer(result: FileTransferResult): void {
  console.log(
    `\n${result.mebibytes} MiB of random bytes between two pages of one browser, ${result.rounds} rounds a way, interleaved (seconds from sendFile to done)`,
  );
  console.table(
    result.rows.map((row) => ({
      browser: row.browser,
      way: row.way,
      'p50 s': median(row.seconds).toFixed(2),
      'min s': Math.min(...row.seconds).toFixed(2),
      'max s': Math.max(...row.seconds).toFixed(2),
    })),
  );
}

export { median as fileTransferMedian };
