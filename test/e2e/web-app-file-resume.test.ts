/**
 * A file transfer in flight goes on across a reload of either page of a resumable link session
 * (issue 13): the receiver kept its bytes, the sender its File (both in IndexedDB), the transfer
 * continues from the receiver's offset, the rows come back with their progress, and the file
 * that arrives is checked by SHA-256 (by the library, and here on the download's bytes). And
 * across a network change, where Chromium's session comes back on a fresh connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { type BrowserName, type BrowserPage, POLL_MS } from '../harness/browser-page.ts';
import { dropAddresses, joinNetwork, restoreHomeNetwork } from '../harness/netns-addresses.ts';
import {
  connectedPages,
  downloadedHash,
  dropRandomFile,
  waitForState,
} from '../harness/web-app-pages.ts';

const app = useWebApp({ firefox: true });

/** Large enough to be still on its way when the reload comes, small enough to be quick. */
const SIZE = 48 * 1024 * 1024;
/** The reload comes once the receiver holds this much (more than one stored MiB piece). */
const RELOAD_AT = 3 * 1024 * 1024;

const incomingRow = '[data-testid="transfer"][data-direction="incoming"]';
const outgoingRow = '[data-testid="transfer"][data-direction="outgoing"]';

const connectedPair = (a: BrowserName, b: BrowserName) => connectedPages(app, a, b);

/** The progress bar's value of the first row matching `row`, once it reaches `bytes`. */
function progressReaches(page: BrowserPage, row: string, bytes: number, timeout = 30_000) {
  return page.waitForFunction(
    ([selector, least]) => {
      const bar = document.querySelector<HTMLProgressElement>(`${selector} progress`);
      return bar && bar.value >= least ? bar.value : 0;
    },
    [row, bytes] as const,
    timeout,
  );
}

/**
 * How many Files the page keeps in IndexedDB to send after a reload; with `until`, once that
 * many are kept (polled in the page, as the app stores them in the background).
 */
function keptFiles(page: BrowserPage, until?: number): Promise<number> {
  return page.evaluate(
    ([wanted, pollMs]) => {
      const count = () =>
        new Promise<number>((resolve, reject) => {
          const request = indexedDB.open('webrtc-connect-transfers');
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            const db = request.result;
            if (!db.objectStoreNames.contains('sending')) {
              db.close();
              resolve(0);
              return;
            }
            const counted = db.transaction('sending').objectStore('sending').count();
            counted.onsuccess = () => {
              db.close();
              resolve(counted.result);
            };
            counted.onerror = () => reject(counted.error);
          };
        });
      const deadline = performance.now() + 15_000;
      const poll = async (): Promise<number> => {
        const now = await count();
        if (wanted === null || now === wanted) return now;
        if (performance.now() > deadline) throw new Error(`${now} Files kept, not ${wanted}`);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        return poll();
      };
      return poll();
    },
    [until ?? null, POLL_MS] as const,
  );
}

/** SHA-256 of the one file `page` received, once its download link is there. */
async function receivedHash(page: BrowserPage): Promise<string> {
  const link = `${incomingRow}[data-state="done"] [data-testid="download"]`;
  await page.waitFor(link, 60_000);
  expect(await page.count(incomingRow)).toBe(1);
  return downloadedHash(page, (await page.attribute(link, 'href')) ?? '');
}

const CASES: ReadonlyArray<{ a: BrowserName; b: BrowserName; reload: 'sender' | 'receiver' }> = [
  { a: 'chromium', b: 'chromium', reload: 'receiver' },
  { a: 'chromium', b: 'chromium', reload: 'sender' },
  { a: 'chromium', b: 'firefox', reload: 'receiver' },
  { a: 'firefox', b: 'chromium', reload: 'sender' },
];

describe('a file transfer in flight goes on across a reload', () => {
  for (const { a, b, reload } of CASES) {
    it(`A ${a} sends to B ${b}; the ${reload} reloads; the file arrives whole`, async () => {
      const pair = await connectedPair(a, b);
      const sender = pair.a;
      const receiver = pair.b;
      const hash = await dropRandomFile(sender, 'random.bin', SIZE);
      // The sender keeps its File until the transfer is done: a reload finds it.
      await keptFiles(sender, 1);
      await progressReaches(receiver, incomingRow, RELOAD_AT);
      const reloaded = reload === 'sender' ? sender : receiver;
      await reloaded.reload();
      await Promise.all([
        waitForState(sender, 'connected', 30_000),
        waitForState(receiver, 'connected', 30_000),
      ]);
      // The reloaded page shows the transfer again, with the bytes already across.
      const row = reload === 'sender' ? outgoingRow : incomingRow;
      const resumedAt = await progressReaches(reloaded, row, 1);
      if (reload === 'receiver') expect(resumedAt).toBeGreaterThanOrEqual(1024 * 1024);
      expect(await receivedHash(receiver)).toBe(hash);
      await sender.waitFor(`${outgoingRow}[data-state="done"]`, 30_000);
      expect(await sender.count(outgoingRow)).toBe(1);
      // Done: nothing is kept any more.
      expect(await keptFiles(sender)).toBe(0);
    });
  }
});

describe('a file transfer in flight goes on across a network change', () => {
  afterEach(async () => {
    await restoreHomeNetwork();
  });

  it('A chromium sends to B chromium; every address changes; the file arrives whole', async () => {
    const pair = await connectedPair('chromium', 'chromium');
    const hash = await dropRandomFile(pair.a, 'random.bin', SIZE);
    await progressReaches(pair.b, incomingRow, RELOAD_AT);
    await dropAddresses();
    await Promise.all([
      waitForState(pair.a, 'reconnecting', 60_000),
      waitForState(pair.b, 'reconnecting', 60_000),
    ]);
    // Still on its way: nothing crosses while there is no network.
    expect(await pair.b.count(`${incomingRow}[data-state="active"]`)).toBe(1);
    await joinNetwork({ 'wc-veth0': '10.78.0.1/24', 'wc-veth1': '10.78.0.2/24' });
    await Promise.all([
      waitForState(pair.a, 'connected', 45_000),
      waitForState(pair.b, 'connected', 45_000),
    ]);
    expect(await receivedHash(pair.b)).toBe(hash);
    await pair.a.waitFor(`${outgoingRow}[data-state="done"]`, 30_000);
    expect(await pair.a.count(outgoingRow)).toBe(1);
  }, 180_000);
});
