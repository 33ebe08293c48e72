/**
 * Time to resume a link session in the web app, per browser (A and B in the same browser):
 * after a reload of B, from the reload to both pages connected again; after a network change
 * (the namespace's veth pair loses its addresses, both pages show Reconnecting…, then it joins
 * another subnet), from joining the new network to both pages connected. One pair per browser
 * goes through every round. Then a network change on one side only (each page in a browser in
 * a namespace of its own, side-netns.ts; A and B move in turn): the mover leaves its network,
 * its page shows Reconnecting…, it joins another subnet; from joining to both connected.
 */
import { buildWebApp, startAppServer } from '../test/harness/app-server.ts';
import type { BrowserName, BrowserPage, TestBrowser } from '../test/harness/browser-page.ts';
import { launchChromium } from '../test/harness/chromium.ts';
import { launchFirefox } from '../test/harness/firefox.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';
import { dropAddresses, joinNetwork, restoreHomeNetwork } from '../test/harness/netns-addresses.ts';
import { chromiumBrowser } from '../test/harness/playwright-page.ts';
import { launchSideBrowser } from '../test/harness/side-browsers.ts';
import { becomeRouter, openSideNetwork, SERVER_ADDRESS } from '../test/harness/side-netns.ts';
import { createLinkOn, openApp, sendChat, waitForState } from '../test/harness/web-app-pages.ts';

export interface ResumeRow {
  browser: BrowserName;
  reloadSeconds: number[];
  networkChangeSeconds: number[];
  oneSideSeconds: number[];
  failures: number;
}

export interface ResumeResult {
  reloads: number;
  networkChanges: number;
  oneSideChanges: number;
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

export async function benchResume(
  reloads = 20,
  networkChanges = 20,
  oneSideChanges = 10,
): Promise<ResumeResult> {
  assertPrivateNetns();
  const stopRouting = await becomeRouter();
  const built = await buildWebApp();
  const server = await startAppServer(built.dir);
  const sideServer = await startAppServer(built.dir, { host: SERVER_ADDRESS });
  const rows: ResumeRow[] = [];
  try {
    for (const name of ['chromium', 'firefox'] as const) {
      const row: ResumeRow = {
        browser: name,
        reloadSeconds: [],
        networkChangeSeconds: [],
        oneSideSeconds: [],
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
      row.oneSideSeconds = await oneSideRounds(name, sideServer.url, oneSideChanges, () => {
        row.failures++;
      });
    }
  } finally {
    await sideServer.close();
    await server.close();
    await built.remove();
    await stopRouting();
  }
  return { reloads, networkChanges, oneSideChanges, rows };
}

/** A on 10.91.0.0/24 and B on 10.92.0.0/24, each in its own browser; A and B move in turn. */
async function oneSideRounds(
  name: BrowserName,
  url: string,
  rounds: number,
  failed: () => void,
): Promise<number[]> {
  const seconds: number[] = [];
  const a = await openSideNetwork(91);
  const b = await openSideNetwork(92).catch(async (error: unknown) => {
    // Each open side holds a share of the namespace's routing until closed.
    await a.close();
    throw error;
  });
  const networks = { a, b };
  const browsers: TestBrowser[] = [];
  try {
    browsers.push(await launchSideBrowser(name, networks.a, url));
    browsers.push(await launchSideBrowser(name, networks.b, url));
    const [browserA, browserB] = browsers as [TestBrowser, TestBrowser];
    const pageA = await openApp(browserA, `${url}/`);
    const pages = { a: pageA, b: await openApp(browserB, await createLinkOn(pageA)) };
    await bothConnected(pages.a, pages.b);
    const home = { a: 91, b: 92 };
    for (let round = 0; round < rounds; round++) {
      const mover = round % 2 === 0 ? 'a' : 'b';
      try {
        await networks[mover].leave();
        await waitForState(pages[mover], 'reconnecting', 60_000);
        const joined = performance.now();
        // Away and home in turn: a subnet the side was not on just before.
        home[mover] = home[mover] < 93 ? home[mover] + 2 : home[mover] - 2;
        await networks[mover].join(home[mover]);
        await bothConnected(pages.a, pages.b);
        seconds.push((performance.now() - joined) / 1000);
        await sendChat(pages[mover], pages[mover === 'a' ? 'b' : 'a'], `one side ${round}`);
      } catch {
        failed();
      }
    }
  } finally {
    for (const browser of browsers) await browser.close().catch(() => {});
    await networks.a.close();
    await networks.b.close();
  }
  return seconds;
}

export function printResume(result: ResumeResult): void {
  console.log(
    `\nresume a link session: ${result.reloads} reloads of B, ${result.networkChanges} network changes, ${result.oneSideChanges} on one side only, per browser`,
  );
  console.table(
    result.rows.map((row) => ({
      browser: row.browser,
      'reload p50 s': median(row.reloadSeconds).toFixed(2),
      'reload max s': Math.max(...row.reloadSeconds).toFixed(2),
      'network change p50 s': median(row.networkChangeSeconds).toFixed(2),
      'network change max s': Math.max(...row.networkChangeSeconds).toFixed(2),
      'one side p50 s': median(row.oneSideSeconds).toFixed(2),
      'one side max s': Math.max(...row.oneSideSeconds).toFixed(2),
      failures: row.failures,
    })),
  );
}

export { median as resumeMedian };
