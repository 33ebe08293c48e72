// A person types the reply code long after B answered: longer than Chromium keeps trying B's
// connectivity checks, and than Firefox's 5 s trickle grace period (DESIGN.md §4). A code works
// as long as it is shown: in every pairing of the browsers, typed 30 s late (and 3 minutes late
// with Chromium as A and Firefox as B, the pairing that failed 3 of 3 times), the code B still
// shows connects. The code of a self-contained link calls B back (link/call-back.ts), so B's
// ICE starts when A has the answer. All pairs wait side by side: the suite pays for the longest
// wait once.
import { expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { type BrowserName, type BrowserPage, PAIRINGS, testId } from '../harness/browser-page.ts';
import {
  createLinkOn,
  expectSameSas,
  replyCodeOn,
  sendChat,
  typeReply,
  waitForState,
} from '../harness/web-app-pages.ts';

/** How late the codes are typed. Not synchronisation: the delay itself is what is under test. */
const LATE_MS = 30_000;
const VERY_LATE_MS = 180_000;

const app = useWebApp({ firefox: true });

interface LatePair {
  name: string;
  a: BrowserPage;
  b: BrowserPage;
  code: string;
  shownAt: number;
}

/** A with a self-contained link (no reply comes by itself, only by typing), B answered. */
async function answeredPair(name: string, a: BrowserName, b: BrowserName): Promise<LatePair> {
  const pageA = await app.open('/', a);
  const link = await createLinkOn(pageA, { selfContained: true });
  const pageB = await app.open(link, b);
  const code = await replyCodeOn(pageB);
  return { name, a: pageA, b: pageB, code, shownAt: performance.now() };
}

/** Types the code `lateMs` after B showed it; resolves with the seconds to connected. */
async function typeLate(pair: LatePair, lateMs: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, pair.shownAt + lateMs - performance.now()));
  expect(await pair.a.attribute(testId('status'), 'data-state')).toBe('waiting');
  // Still showing the code it answered with: the code is what the person reads out.
  expect(await pair.b.text(testId('reply-code')), pair.name).toBe(pair.code);
  const typed = performance.now();
  await typeReply(pair.a, pair.code);
  await Promise.all([
    waitForState(pair.a, 'connected', 30_000),
    waitForState(pair.b, 'connected', 30_000),
  ]);
  const seconds = (performance.now() - typed) / 1000;
  await expectSameSas(pair.a, pair.b);
  await sendChat(pair.a, pair.b, `typed late (${pair.name}), connected anyway`);
  await sendChat(pair.b, pair.a, 'and back');
  return seconds;
}

it(
  `connects in every pairing when the code is typed ${LATE_MS / 1000} s after B showed it (A in Chromium, B in Firefox: also ${VERY_LATE_MS / 60_000} minutes)`,
  async () => {
    // The longest wait first, so the others run inside it.
    // Chromium as A, Firefox as B: the pairing where a late code failed 3 of 3 times.
    const veryLate = await answeredPair('A chromium, B firefox, 3 minutes', 'chromium', 'firefox');
    const late: LatePair[] = [];
    for (const pairing of PAIRINGS)
      late.push(await answeredPair(pairing.name, pairing.a, pairing.b));
    const results = await Promise.allSettled([
      ...late.map((pair) => typeLate(pair, LATE_MS)),
      typeLate(veryLate, VERY_LATE_MS),
    ]);
    const pairs = [...late, veryLate];
    const report = results.map((result, index) =>
      result.status === 'fulfilled'
        ? `${pairs[index]?.name}: connected ${result.value.toFixed(2)} s after typing`
        : `${pairs[index]?.name}: ${String(result.reason).split('\n')[0]}`,
    );
    console.info(`late reply codes:\n  ${report.join('\n  ')}`);
    expect(results.map((result) => result.status)).toEqual(pairs.map(() => 'fulfilled'));
  },
  VERY_LATE_MS + 120_000,
);
