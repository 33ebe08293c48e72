/**
 * Time to resume a link session in the web app, per browser (A and B in the same browser):
 * after a reload of B, from the reload to both pages connected again; after a network change
 * (the namespace's veth pair loses its addresses, both pages show Reconnecting…, then it joins
 * another subnet), from joining the new network to both pages connected. One pair per browser
 * goes through every round.
 */
import { buildWebApp, startAppServer } from '../test/harness/app-server.ts';
import type { BrowserName, BrowserPage, TestBrowser } from '../test/harness/browser-page.ts';
import { launchChromium } from '../test/harness/chromium.ts';
import { launchFirefox } from '../test/harness/firefox.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';
import { dropAddresses, joinNetwork, restoreHomeNetwork } from '../test/harness/netns-addresses.ts';
import { chromiumBrowser } from '../test/harness/playwright-page.ts';
import { createLinkOn, openApp, sendChat, waitForState } from '../test/harness/web-app-pages.ts';

export interface ResumeRow {
  browser: BrowserName;
  reloadSeconds: number[];
  networkChangeSeconds: number[];
  failures: number;
}

export interface ResumeResult {
  reloads: number;
  networkChanges: number;
  rows: ResumeRow[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

const subnet = (round: number) => ({
  'wc-veth0': `10.${80 + (round % 2)}.0.1/24`,
  'wc-veth1': `10.${80 + (round % 2)}.0.2/24`,
});

async function bothConnected(a: BrowserPage, b: BrowserPage): Promise<void> {
  await Promise.all([waitForState(a, 'connected', 60_000), waitForState(b, 'connected', 60_000)]);
}

export async function benchResume(reloads = 20, networkChanges = 5): Promise<ResumeResult> {
  assertPrivateNetns();
  const built = await buildWebApp();
  const server = await startAppServer(built.dir);
  const rows: ResumeRow[] = [];
  try {
    for (const name of ['chromium', 'firefox'] as const) {
      const row: ResumeRow = {
        browser: name,
        reloadSeconds: [],
        networkChangeSeconds: [],
        failures: 0,
      };
      rows.push(row);
      const browser: TestBrowser =
        name === 'chromium' ? chromiumBrowser(await launchChromium()) : await launchFirefox();
      try {
        const a = await openApp(browser, `${server.url}/`);
        const link = await createLinkOn(a);
        const b = await openApp(browser, link);
        await bothConnected(a, b);
        for (let round = 0; round < reloads; round++) {
          try {
            const started = performance.now();
            await b.reload();
            await bothConnected(a, b);
            row.reloadSeconds.push((performance.now() - started) / 1000);
            await sendChat(a, b, `reload ${round}`);
          } catch {
            row.failures++;
          }
        }
        for (let round = 0; round < networkChanges; round++) {
          try {
            await dropAddresses();
            await Promise.all([
              waitForState(a, 'reconnecting', 60_000),
              waitForState(b, 'reconnecting', 60_000),
            ]);
            const joined = performance.now();
            await joinNetwork(subnet(round));
            await bothConnected(a, b);
            row.networkChangeSeconds.push((performance.now() - joined) / 1000);
            await sendChat(b, a, `network ${round}`);
          } catch {
            row.failures++;
          }
        }
      } finally {
        await restoreHomeNetwork();
        await browser.close();
      }
    }
  } finally {
    await server.close();
    await built.remove();
  }
  return { reloads, networkChanges, rows };
}

export function printResume(result: ResumeResult): void {
  console.log(
    `\nresume a link session: ${result.reloads} reloads of B, ${result.networkChanges} network changes, per browser`,
  );
  console.table(
    result.rows.map((row) => ({
      browser: row.browser,
      'reload p50 s': median(row.reloadSeconds).toFixed(2),
      'reload max s': Math.max(...row.reloadSeconds).toFixed(2),
      'network change p50 s': median(row.networkChangeSeconds).toFixed(2),
      'network change max s': Math.max(...row.networkChangeSeconds).toFixed(2),
      failures: row.failures,
    })),
  );
}

export { median as resumeMedian };
