// The web app as people use it, against the real server serving its production build: two
// pages connect by a link, chat and send a file in every pairing of Chromium and Firefox, and
// see clear errors.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromLinkText, toLinkText } from '@webrtc-connect/signal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, useWebApp } from '../harness/app-server.ts';
import { type BrowserName, type BrowserPage, PAIRINGS, testId } from '../harness/browser-page.ts';
import { MAPPED_ADDRESS } from '../harness/capture.ts';
import { playwrightPage } from '../harness/playwright-page.ts';
import { readQrCodes } from '../harness/qr-reader.ts';
import { startStunResponder } from '../harness/stun-responder.ts';
import {
  createLinkOn,
  downloadedHash,
  expectSameSas,
  replyCodeOn,
  sendChat,
  shownError,
  typeReply,
  waitForItem,
  waitForState,
} from '../harness/web-app-pages.ts';

const app = useWebApp({ firefox: true });
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'webrtc-connect-files-'));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const open = (url?: string, browser?: BrowserName): Promise<BrowserPage> => app.open(url, browser);

/** `bytes` random bytes sent from `from` to `to`, arriving intact; both progress bars full. */
async function sendFile(from: BrowserPage, to: BrowserPage, bytes: number): Promise<void> {
  const content = randomBytes(bytes);
  const name = `random-${bytes}.bin`;
  const file = join(scratch, name);
  await writeFile(file, content);
  await from.setInputFile(testId('file-input'), file);
  const received = '[data-testid="transfer"][data-direction="incoming"]';
  const download = `${received} [data-testid="download"]`;
  await to.waitFor(download, 30_000);
  await from.waitFor(
    '[data-testid="transfer"][data-direction="outgoing"][data-state="done"]',
    10_000,
  );
  expect(await to.attribute(download, 'download')).toBe(name);
  const href = (await to.attribute(download, 'href')) ?? '';
  expect(await downloadedHash(to, href)).toBe(createHash('sha256').update(content).digest('hex'));
  // Both progress bars ran to the end.
  for (const [page, bar] of [
    [to, `${received} progress`],
    [from, '[data-testid="transfer"] progress'],
  ] as const) {
    expect(
      await page.evaluate((s) => document.querySelector<HTMLProgressElement>(s)?.value, bar),
    ).toBe(content.length);
  }
}

describe.each(PAIRINGS)(
  'the web app, $name, against the real server',
  ({ a: browserA, b: browserB }) => {
    it('connects two pages by a link with the automatic reply; they chat and a 4 MiB file arrives intact', async () => {
      const a = await open(undefined, browserA);
      const link = await createLinkOn(a);
      expect(link).toMatch(new RegExp(`^${app.server.url}/#[A-Za-z0-9_-]+$`));
      // The QR code a phone would scan holds exactly the link.
      expect(await readQrCodes(Buffer.from(await a.screenshot(testId('qr-code'))))).toEqual([link]);

      const b = await open(link, browserB);
      expect(await replyCodeOn(b)).toMatch(/^[0-9A-HJKMNP-TV-Z]{3} [0-9A-HJKMNP-TV-Z]{2,3}$/);
      // Nobody types anything: the mailbox pushes B's reply to A.
      await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
      await expectSameSas(a, b);
      await sendChat(a, b, 'hello from A');
      await sendChat(b, a, 'hello from B, ünïcødé 👋');
      await sendFile(a, b, 4 * 1024 * 1024);
    });

    it('connects by a self-contained link, with the reply code typed as a person might', async () => {
      const a = await open(undefined, browserA);
      const link = await createLinkOn(a, { selfContained: true });
      // The offer travels in the link itself: far longer than a mailbox link's 39 characters.
      expect(new URL(link).hash.length).toBeGreaterThan(100);
      const b = await open(link, browserB);
      const code = await replyCodeOn(b);
      await typeReply(a, code.toLowerCase());
      await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
      await expectSameSas(a, b);
      await sendChat(b, a, 'over a self-contained link');
      await sendChat(a, b, 'and back');
      await sendFile(b, a, 1024 * 1024);
    });
  },
);

describe('the web app in Chromium, against the real server', () => {
  it('falls back to the answer text when B cannot reach the mailbox, and A connects by pasting it', async () => {
    const a = await open();
    const link = await createLinkOn(a, { selfContained: true });
    const raw = await app.chromium.newPage();
    const b = app.track(playwrightPage(raw));
    // The mailbox is unreachable for B alone: its reply cannot be posted.
    let refused = 0;
    await raw.route('**/api/replies', (route) => {
      refused += 1;
      return route.abort('connectionrefused');
    });
    await b.goto(link);
    await b.waitFor(testId('answer-text'));
    expect(refused).toBeGreaterThan(0);
    await expect.poll(() => b.count(testId('reply-code'))).toBe(0);
    const text = await b.inputValue(testId('answer-text'));
    expect(text).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    await typeReply(a, text);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    await expectSameSas(a, b);
    await sendChat(b, a, 'answered without the mailbox');
  });

  it('says clearly when a link points to no offer, was already used, or a code is used, unknown or garbage', async () => {
    // A link in the right form whose offer id the mailbox never issued (format: link-token.ts).
    const token = new Uint8Array([0x11, ...randomBytes(16), ...randomBytes(12)]);
    const unknown = await open(`${app.server.url}/#${toLinkText(token)}`);
    const notFound = await shownError(unknown, 'status');
    expect(notFound.code).toBe('ERR_NOT_FOUND');
    expect(notFound.text).toContain('This link points to nothing the server knows');

    const garbled = await open(`${app.server.url}/#this-is-not*a*link`);
    expect(await shownError(garbled, 'status')).toMatchObject({ code: 'ERR_BAD_LINK' });

    // A and B connect; the reply code B shows is then used (A's page read it by itself).
    const a = await open();
    const link = await createLinkOn(a);
    const b = await open(link);
    const usedCode = await replyCodeOn(b);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);

    const late = await open(link);
    const usedLink = await shownError(late, 'status');
    expect(usedLink.code).toBe('ERR_ALREADY_USED');
    expect(usedLink.text).toContain('This link was already used');

    const other = await open();
    await createLinkOn(other);
    const cases: Array<[typed: string, code: string, sentence: string]> = [
      [usedCode, 'ERR_ALREADY_USED', 'This reply code was already used'],
      ['HELLO!', 'ERR_BAD_REPLY_CODE', 'That is not a reply code'],
      ['this is not an answer at all', 'ERR_BAD_ANSWER', 'That answer text is cut short'],
      ['ZZZ ZZ', 'ERR_NOT_FOUND', 'No reply has this code'],
    ];
    for (const [typed, code, sentence] of cases) {
      await typeReply(other, typed);
      const shown = await other.waitForFunction((expected) => {
        const element = document.querySelector('[data-testid="reply-error"]');
        return element?.getAttribute('data-error-code') === expected && element.textContent;
      }, code);
      expect(shown).toContain(sentence);
    }
    // None of it broke the page: it still waits for a reply.
    expect(await other.attribute(testId('status'), 'data-state')).toBe('waiting');
  });

  it('tells whoever opens a link that its maker left the page before anyone connected', async () => {
    const a = await open();
    const link = await createLinkOn(a);
    // Leaving by navigation. Closing the tab does the same in a browser, but under load
    // Playwright's close hung about 40 s on this page twice, and the withdrawal never came.
    await a.goto('about:blank');
    // The page's last request (keepalive) may still be on its way: wait until the mailbox has it.
    const offerId = toLinkText(fromLinkText(new URL(link).hash.slice(1)).subarray(17));
    await expect
      .poll(async () => (await fetch(`${app.server.url}/api/offers/${offerId}`)).status, {
        timeout: 15_000,
      })
      .toBe(410);

    const b = await open(link);
    const withdrawn = await shownError(b, 'status');
    expect(withdrawn.code).toBe('ERR_WITHDRAWN');
    expect(withdrawn.text).toContain('closed it');
  });

  it("gives both pages the server's STUN servers, and they still connect", async () => {
    const stun = await startStunResponder({ mappedAddress: MAPPED_ADDRESS });
    const server = await startAppServer(app.webRoot, { iceServers: [{ urls: stun.url }] });
    try {
      const a = await open(`${server.url}/`);
      const link = await createLinkOn(a);
      const b = await open(link);
      await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
      await expectSameSas(a, b);
      // Each page asked it for its address while gathering.
      expect(stun.answered).toBeGreaterThanOrEqual(2);
    } finally {
      await server.close();
      await stun.close();
    }
  });
});

// Chromium as A, Firefox as B: the typed name (remembered) and the default one from the browser.
const peerLabel = '[data-testid="messages"] li[data-from="peer"] strong';

describe('the web app, device names', () => {
  it("shows each device's name on the other side from the first message on, the typed one remembered, and a rename", async () => {
    const a = await app.open('/');
    await a.fill(testId('device-name'), "Ada's laptop");
    await a.reload();
    expect(await a.inputValue(testId('device-name'))).toBe("Ada's laptop");
    // The label each message of the other side first gets, before any relabelling.
    await a.evaluate(() => {
      const seen: string[] = [];
      (globalThis as { firstLabels?: string[] }).firstLabels = seen;
      new MutationObserver((records) => {
        for (const record of records) {
          for (const node of record.addedNodes) {
            if (node instanceof HTMLElement && node.dataset.from === 'peer') {
              seen.push(node.querySelector('strong')?.textContent ?? '');
            }
          }
        }
      }).observe(document.body, { childList: true, subtree: true });
    });

    const link = await createLinkOn(a);
    const b = await app.open(link.slice(link.indexOf('/#')), 'firefox');
    // B says something the moment its chat appears.
    await b.waitForFunction(() => {
      const input = document.querySelector<HTMLInputElement>('[data-testid="message-input"]');
      const send = document.querySelector<HTMLButtonElement>('[data-testid="send"]');
      if (!input || !send) return false;
      input.value = 'at once';
      send.click();
      return true;
    }, undefined);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    await waitForItem(a, '[data-testid="messages"] li[data-from="peer"]', 'at once');
    expect(await a.evaluate(() => (globalThis as { firstLabels?: string[] }).firstLabels)).toEqual([
      'Firefox on Linux: ',
    ]);
    expect(await a.text(testId('peer-name'))).toBe('With Firefox on Linux');
    await b.waitForFunction(
      () => document.querySelector('[data-testid="peer-name"]')?.textContent,
      undefined,
    );
    expect(await b.text(testId('peer-name'))).toBe("With Ada's laptop");

    await sendChat(a, b, 'hello');
    expect(await b.text(peerLabel)).toBe("Ada's laptop: ");

    // Renamed during the session (the field, then elsewhere): B's line and labels follow.
    await a.fill(testId('device-name'), 'Ada at work');
    await a.click(testId('message-input'));
    await b.waitForFunction(
      () => document.querySelector('[data-testid="peer-name"]')?.textContent === 'With Ada at work',
      undefined,
    );
    expect(await b.text(peerLabel)).toBe('Ada at work: ');
    // Remembered for the next session too.
    expect(await a.evaluate(() => localStorage.getItem('webrtc-connect:device-name'))).toBe(
      'Ada at work',
    );
  });
});
