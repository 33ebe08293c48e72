/**
 * Where do the account way's large messages stop? (docs/decisions.md, "The account way's large
 * messages: 64 KiB pieces".) Rooms of three pages (a broadcaster, two clients), the library
 * itself in each, through the real server with development sign-in; the last client sends
 * `count` binary messages of `size` bytes back to back. Per room: whether every message was
 * acknowledged and arrived whole and in order within 15 s; for a room that did not, each page's
 * channels (buffered amount, threshold, `bufferedamountlow` events, data-channel stats, and what
 * went each way, in order). `loops` busy loops (`node -e "for(;;){}"`, at most 10 min each) run
 * beside the rooms, and are ended with them. Run in the private namespace:
 *
 *   scripts/in-netns.sh npx tsx --conditions=@webrtc-connect/source bench/account-large-messages.ts \
 *     [rooms: firefox/firefox,chromium/firefox,...] [count 8] [size 196608] [loops 0] [repeat 1] [text]
 *
 * `text`: text messages of `size` characters (ASCII) instead of binary ones.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { startAccountServer } from '../test/harness/account-devices.ts';
import { startBlankServer } from '../test/harness/blank-server.ts';
import type { BrowserName, BrowserPage, TestBrowser } from '../test/harness/browser-page.ts';
import { launchChromium } from '../test/harness/chromium.ts';
import { launchFirefox } from '../test/harness/firefox.ts';
import { bundleForPage, runBundle } from '../test/harness/page-bundle.ts';
import { chromiumBrowser } from '../test/harness/playwright-page.ts';
import type { BenchDevice, DeviceReport } from './account-large-messages-page.ts';

const LIMIT_MS = 15_000;
const [roomsArg, countArg, sizeArg, loopsArg, repeatArg, kindArg] = process.argv.slice(2);
const rooms = (roomsArg ?? 'firefox/firefox,chromium/firefox,firefox/chromium,chromium/chromium')
  .split(',')
  .map((room) => room.split('/') as [BrowserName, BrowserName]);
const count = Number(countArg ?? 8);
const size = Number(sizeArg ?? 192 * 1024);
const loops = Number(loopsArg ?? 0);
const repeat = Number(repeatArg ?? 1);
const asText = kindArg === 'text';

type PageGlobal = { benchDevice: BenchDevice };

const busy: ChildProcess[] = [];
const stopBusy = () => {
  for (const child of busy.splice(0)) child.kill();
};
process.on('exit', stopBusy);

const bundle = await bundleForPage(
  `import ${JSON.stringify(join(import.meta.dirname, 'account-large-messages-page.ts'))};\n`,
);
const server = await startAccountServer();
const blank = await startBlankServer();
const browsers = new Map<BrowserName, TestBrowser>();
for (const name of new Set(rooms.flat())) {
  browsers.set(
    name,
    name === 'firefox' ? await launchFirefox() : chromiumBrowser(await launchChromium()),
  );
}

async function devicePage(name: BrowserName): Promise<BrowserPage> {
  const page = await (browsers.get(name) as TestBrowser).newPage();
  await page.goto(`${blank.origin}/`);
  await runBundle(page, bundle);
  return page;
}

const reportOf = (page: BrowserPage) =>
  page.evaluate(() => (globalThis as unknown as PageGlobal).benchDevice.report());

const outcomes: string[] = [];
let user = 0;
for (let round = 0; round < repeat; round += 1) {
  for (const [broadcaster, clients] of rooms) {
    user += 1;
    const name = `${broadcaster} broadcaster, ${clients} clients`;
    const pages = [
      await devicePage(broadcaster),
      await devicePage(clients),
      await devicePage(clients),
    ];
    const token = await server.signIn(`large-${user}`);
    for (const page of pages) {
      await page.evaluate(
        (args) => (globalThis as unknown as PageGlobal).benchDevice.join(args.url, args.token),
        { url: server.url, token },
      );
    }
    await Promise.all(
      pages.map((page) =>
        page.waitForFunction(
          (n) => (globalThis as unknown as PageGlobal).benchDevice.connectedWith(n),
          3,
          30_000,
        ),
      ),
    );
    for (let n = 0; n < loops; n += 1) {
      busy.push(spawn('timeout', ['600', 'node', '-e', 'for(;;){}'], { stdio: 'ignore' }));
    }
    const sender = pages[2] as BrowserPage;
    const start = Date.now();
    await sender.evaluate(
      (args) =>
        (globalThis as unknown as PageGlobal).benchDevice.send(args.count, args.size, args.asText),
      { count, size, asText },
    );
    let reports: DeviceReport[] = [];
    let outcome = `stalled (${LIMIT_MS / 1000} s)`;
    while (Date.now() - start < LIMIT_MS) {
      reports = await Promise.all(pages.map(reportOf));
      const whole = reports.every((report, i) => i === 2 || report.received === count);
      if (whole && reports[2]?.acknowledged === count) {
        outcome = `done in ${((Date.now() - start) / 1000).toFixed(1)} s`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    stopBusy();
    outcomes.push(`${name}: ${outcome}`);
    console.log(`${name}: ${outcome}`);
    if (outcome.startsWith('stalled')) {
      for (const [i, report] of reports.entries()) {
        const { channels, ...device } = report;
        console.log(`  page ${i}`, JSON.stringify(device));
        for (const { log, ...channel } of channels) {
          console.log('    channel', JSON.stringify(channel));
          console.log('    in order', log.join(' '));
        }
      }
    }
    for (const page of pages) {
      await page.evaluate(() => (globalThis as unknown as PageGlobal).benchDevice.leave());
      await page.close();
    }
  }
}

const kind = asText ? 'text' : 'binary';
console.log(
  `\n${count} ${kind} messages of ${size} bytes, ${loops} busy loops:\n${outcomes.join('\n')}`,
);
for (const browser of browsers.values()) await browser.close();
await blank.close();
await server.app.close();
