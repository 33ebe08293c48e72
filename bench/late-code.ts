/**
 * A reply code typed late: the web app, A with a self-contained link (so the answer comes only
 * by typing B's code), B answered and showing its code. For every pairing of Chromium and
 * Firefox as A and B, the seconds from typing the code to both pages connected, when the code
 * is typed at once (the reference) and `lateSeconds` after B showed it, side by side in one run.
 * All pairs of a round wait together, so a round costs one wait.
 */
import { buildWebApp, startAppServer } from '../test/harness/app-server.ts';
import type { BrowserName, BrowserPage, TestBrowser } from '../test/harness/browser-page.ts';
import { PAIRINGS, testId } from '../test/harness/browser-page.ts';
import { launchChromium } from '../test/harness/chromium.ts';
import { launchFirefox } from '../test/harness/firefox.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';
import { chromiumBrowser } from '../test/harness/playwright-page.ts';
import {
  createLinkOn,
  openApp,
  replyCodeOn,
  typeReply,
  waitForState,
} from '../test/harness/web-app-pages.ts';

export interface LateCodeRow {
  pairing: string;
  /** Typed as soon as B showed it. */
  atOnceSeconds: number[];
  /** Typed `lateSeconds` after B showed it. */
  lateSeconds: number[];
  failures: number;
}

export interface LateCodeResult {
  rounds: number;
  lateSeconds: number;
  rows: LateCodeRow[];
}

interface AnsweredPair {
  pairing: string;
  late: boolean;
  a: BrowserPage;
  b: BrowserPage;
  code: string;
  shownAt: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

export async function benchLateCode(rounds = 3, lateSeconds = 30): Promise<LateCodeResult> {
  assertPrivateNetns();
  const built = await buildWebApp();
  const server = await startAppServer(built.dir);
  const browsers = new Map<BrowserName, TestBrowser>();
  const rows = new Map<string, LateCodeRow>(
    PAIRINGS.map(({ name }) => [
      name,
      { pairing: name, atOnceSeconds: [], lateSeconds: [], failures: 0 },
    ]),
  );
  try {
    browsers.set('chromium', chromiumBrowser(await launchChromium()));
    browsers.set('firefox', await launchFirefox());
    const browser = (name: BrowserName): TestBrowser => {
      const found = browsers.get(name);
      if (!found) throw new Error(`${name} is not running`);
      return found;
    };
    const answered = async (
      pairing: (typeof PAIRINGS)[number],
      late: boolean,
    ): Promise<AnsweredPair> => {
      const a = await openApp(browser(pairing.a), `${server.url}/`);
      const link = await createLinkOn(a, { selfContained: true });
      const b = await openApp(browser(pairing.b), link);
      const code = await replyCodeOn(b);
      return { pairing: pairing.name, late, a, b, code, shownAt: performance.now() };
    };
    const typeAndConnect = async (pair: AnsweredPair): Promise<number> => {
      const typeAt = pair.shownAt + (pair.late ? lateSeconds * 1000 : 0);
      // The delay is what is measured against, not a synchronisation.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, typeAt - performance.now())));
      if ((await pair.b.text(testId('reply-code'))) !== pair.code)
        throw new Error(`${pair.pairing}: B stopped showing its code`);
      const typed = performance.now();
      await typeReply(pair.a, pair.code);
      await Promise.all([
        waitForState(pair.a, 'connected', 30_000),
        waitForState(pair.b, 'connected', 30_000),
      ]);
      return (performance.now() - typed) / 1000;
    };
    for (let round = 0; round < rounds; round++) {
      // Each pair's typing starts as soon as B shows its code: the late ones wait together,
      // the reference ones are typed at once.
      const pairs: AnsweredPair[] = [];
      const typing: Promise<number>[] = [];
      for (const late of [true, false])
        for (const pairing of PAIRINGS) {
          const pair = await answered(pairing, late);
          pairs.push(pair);
          typing.push(typeAndConnect(pair));
        }
      const results = await Promise.allSettled(typing);
      results.forEach((result, index) => {
        const pair = pairs[index];
        const row = pair && rows.get(pair.pairing);
        if (!pair || !row) return;
        if (result.status === 'rejected') row.failures++;
        else (pair.late ? row.lateSeconds : row.atOnceSeconds).push(result.value);
      });
      await Promise.all(pairs.flatMap((pair) => [pair.a.close(), pair.b.close()]));
    }
  } finally {
    await Promise.allSettled([...browsers.values()].map((launched) => launched.close()));
    await server.close();
    await built.remove();
  }
  return { rounds, lateSeconds, rows: [...rows.values()] };
}

export function printLateCode(result: LateCodeResult): void {
  console.log(
    `\nlate reply code: typing to connected, ${result.rounds} round(s), late = ${result.lateSeconds} s after B showed it`,
  );
  console.table(
    result.rows.map((row) => ({
      pairing: row.pairing,
      'at once p50 s': median(row.atOnceSeconds).toFixed(2),
      'at once max s': Math.max(...row.atOnceSeconds).toFixed(2),
      'late p50 s': median(row.lateSeconds).toFixed(2),
      'late max s': Math.max(...row.lateSeconds).toFixed(2),
      failures: row.failures,
    })),
  );
}

export { median as lateCodeMedian };
