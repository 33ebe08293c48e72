// The account page in Chromium and Firefox, against the real server (development sign-in on)
// serving the production build: three pages of one user see each other, chat and send a file
// across all of them, and go on chatting after their broadcaster's page is closed, in every
// pairing of the browsers as broadcaster and clients.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAccountPage as openPage, signIn, waitForRoom } from '../harness/account-pages.ts';
import { useWebApp } from '../harness/app-server.ts';
import { type BrowserName, type BrowserPage, PAIRINGS, testId } from '../harness/browser-page.ts';
import { downloadedHash, waitForItem } from '../harness/web-app-pages.ts';

const app = useWebApp({ devSignIn: true, firefox: true });

const openAccountPage = (browser?: BrowserName) => openPage(app, browser);

/** What the page's device list shows: ids in order, the broadcaster and the epoch. */
async function shownRoom(page: BrowserPage) {
  return page.evaluate(() => {
    const list = document.querySelector<HTMLElement>('[data-testid="account-devices"]');
    return {
      ids: [...(list?.querySelectorAll('li') ?? [])].map((row) => row.dataset.deviceId),
      broadcaster: list?.getAttribute('data-broadcaster') ?? null,
      epoch: Number(list?.getAttribute('data-epoch')),
    };
  });
}

async function chat(
  from: BrowserPage,
  fromId: string,
  to: BrowserPage[],
  text: string,
): Promise<void> {
  await from.fill(testId('account-message-input'), text);
  await from.click(testId('account-send'));
  const item = `[data-testid="account-messages"] li[data-kind="device"][data-from="${fromId}"]`;
  await Promise.all(to.map((page) => waitForItem(page, item, text, 15_000)));
  // The sender marks it delivered once every other device has it.
  const delivered = '[data-testid="account-messages"] li[data-delivery="delivered"]';
  await waitForItem(from, delivered, text, 15_000);
}

describe('the account page, against the real server', () => {
  it('shows the server code when the token is refused', async () => {
    const page = await openAccountPage();
    await page.fill(testId('account-token'), 'not.a.token');
    await page.click(testId('account-use-token'));
    const status = '[data-testid="account-status"][data-error-code]';
    await page.waitFor(status, 15_000);
    expect(await page.attribute(status, 'data-error-code')).toMatch(/^ERR_TOKEN_/);
    expect(await page.text(status)).toMatch(/token/i);
  });

  it.each(PAIRINGS)(
    'three pages of one user share a broadcaster (in $a), chat and a file with two clients (in $b); after the broadcaster page closes the other two chat on',
    async (pairing) => {
      const pages = [
        await openAccountPage(pairing.a),
        await openAccountPage(pairing.b),
        await openAccountPage(pairing.b),
      ];
      {
        // One after another: the first to join is the broadcaster.
        const ids: string[] = [];
        // A user of its own in each pairing: no device of an earlier one is in its room.
        for (const page of pages) ids.push(await signIn(page, `alice-${pairing.a}-${pairing.b}`));
        expect(new Set(ids).size).toBe(3);
        await waitForRoom(pages, ids);
        const rooms = await Promise.all(pages.map(shownRoom));
        const first = rooms[0];
        expect(first?.broadcaster).toBe(ids[0]);
        for (const room of rooms) expect(room).toEqual(first);

        const [a, b, c] = pages as [BrowserPage, BrowserPage, BrowserPage];
        const [idA, idB, idC] = ids as [string, string, string];
        await chat(b, idB, [a, c], 'hello from b');
        await chat(a, idA, [b, c], 'hello from the broadcaster');

        // 600 KiB: four chunks, acknowledged by both other pages.
        const content = randomBytes(600 * 1024);
        const expected = createHash('sha256').update(content).digest('hex');
        const folder = await mkdtemp(join(tmpdir(), 'webrtc-connect-account-'));
        try {
          await writeFile(join(folder, 'photo.bin'), content);
          await c.setInputFile(testId('account-file-input'), join(folder, 'photo.bin'));
          for (const page of [a, b]) {
            const link = '[data-testid="account-transfers"] [data-testid="download"]';
            await page.waitFor(link, 20_000);
            expect(await downloadedHash(page, (await page.attribute(link, 'href')) ?? '')).toBe(
              expected,
            );
          }
          await c.waitFor('[data-testid="account-transfers"] li[data-state="done"]', 20_000);
        } finally {
          await rm(folder, { recursive: true, force: true });
        }

        await a.close();
        await waitForRoom([b, c], [idB, idC]);
        const after = await Promise.all([b, c].map(shownRoom));
        expect(after[0]).toEqual(after[1]);
        expect(after[0]?.broadcaster).not.toBe(idA);
        expect(after[0]?.epoch).toBeGreaterThan(first?.epoch ?? 0);
        for (const page of [b, c]) {
          const notice = `[data-testid="account-messages"] li[data-kind="notice"][data-epoch="${after[0]?.epoch}"]`;
          await page.waitFor(notice, 10_000);
          expect(await page.text(notice)).toContain('now relays for your devices');
          expect(await page.count('[data-testid="account-devices"] li.broadcaster')).toBe(1);
        }
        await chat(b, idB, [c], 'still here, b');
        await chat(c, idC, [b], 'still here, c');
      }
    },
  );

  it('shows each device by the name it gave, before its first message, and a rename; ids only in the details', async () => {
    // Two browsers: pages of one browser share their storage, and so their device name.
    const ada = await openAccountPage('chromium');
    await ada.evaluate(() => localStorage.setItem('webrtc-connect:device-name', 'Ada’s desk'));
    const other = await openAccountPage('firefox');
    // The Firefox page chats the moment it is connected: its first message must already come
    // under its name. Each label is noted as it is first shown, before any relabelling.
    await ada.evaluate(() => {
      const seen: string[] = [];
      (globalThis as { firstLabels?: string[] }).firstLabels = seen;
      new MutationObserver((records) => {
        for (const record of records) {
          for (const node of record.addedNodes) {
            if (node instanceof HTMLElement && node.dataset.kind === 'device') {
              seen.push(node.querySelector('strong')?.textContent ?? '');
            }
          }
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    const idAda = await signIn(ada, 'names');
    await other.fill(testId('account-name'), 'names');
    await other.click(testId('account-sign-in'));
    await other.waitForFunction(() => {
      const state = document.querySelector<HTMLElement>('[data-testid="account-state"]');
      if (state?.dataset.state !== 'connected') return false;
      const input = document.querySelector<HTMLInputElement>(
        '[data-testid="account-message-input"]',
      );
      const send = document.querySelector<HTMLButtonElement>('[data-testid="account-send"]');
      if (!input || !send) return false;
      input.value = 'at once';
      send.click();
      return true;
    }, undefined);
    const idOther = (await other.text(testId('account-device-id'))) ?? '';
    await waitForRoom([ada, other], [idAda, idOther]);

    const item = '[data-testid="account-messages"] li[data-kind="device"]';
    await waitForItem(ada, item, 'at once', 15_000);
    expect(
      await ada.evaluate(() => (globalThis as { firstLabels?: string[] }).firstLabels),
    ).toEqual(['Firefox on Linux: ']);
    const shownName = (page: BrowserPage, id: string) =>
      page.waitForFunction(
        (deviceId) =>
          document.querySelector(`[data-device-id="${deviceId}"] [data-testid="device-name-shown"]`)
            ?.textContent,
        id,
      );
    expect(await shownName(ada, idOther)).toBe('Firefox on Linux');
    expect(await shownName(other, idAda)).toBe('Ada’s desk');
    expect(await shownName(ada, idAda)).toBe('Ada’s desk');

    await chat(ada, idAda, [other], 'from the desk');
    // A rename reaches the other device: its list and the earlier message's label.
    await ada.fill(testId('device-name'), 'Ada at home');
    await ada.click(testId('account-message-input'));
    await other.waitForFunction(
      (deviceId) =>
        document.querySelector(`[data-device-id="${deviceId}"] [data-testid="device-name-shown"]`)
          ?.textContent === 'Ada at home',
      idAda,
    );
    expect(await other.text(`${item}[data-from="${idAda}"] strong`)).toBe('Ada at home: ');

    for (const page of [ada, other]) {
      // Words a person uses: the roles and the epoch are only in the details view.
      const shown = await page.evaluate(
        () => document.querySelector<HTMLElement>('.account-panel')?.innerText ?? '',
      );
      expect(shown).toContain('relaying for your devices');
      expect(shown).not.toMatch(/broadcaster|epoch/i);
      const details = (await page.text(testId('room-details'))) ?? '';
      expect(details).toContain(idAda);
      expect(details).toContain(idOther);
    }
  });

  it('remembers the sign-in on the device: a reload joins by itself; signing out forgets it', async () => {
    const page = await openAccountPage();
    expect(await signIn(page, 'bob')).toMatch(/^bob-client-\d+$/);
    await page.reload();
    // No form filled: the page joins with the token it kept.
    await page.waitFor(testId('account-device-id'), 15_000);
    expect(await page.text(testId('account-device-id'))).toMatch(/^bob-client-\d+$/);
    expect(await page.text('.account-panel')).toContain('Signed in as bob');

    await page.click(testId('account-sign-out'));
    await page.waitFor(testId('account-name'), 10_000);
    await page.reload();
    await page.waitFor(testId('account-name'), 10_000);
    expect(await page.count(testId('account-device-id'))).toBe(0);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('joins with a token an identity provider hands over in the fragment, and keeps it out of the address', async () => {
    const response = await fetch(`${app.server.url}/api/dev/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol' }),
    });
    const { token } = (await response.json()) as { token: string };
    const page = await app.blankPage();
    await page.goto(`${app.server.url}/`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${app.server.url}/#account&token=${token}`);
    await page.waitFor(testId('account-device-id'), 15_000);
    expect(await page.text('.account-panel')).toContain('Signed in as carol');
    expect(await page.evaluate(() => location.hash)).toBe('#account');
  });

  it('forgets a remembered token the server refuses, and says why', async () => {
    const page = await app.blankPage();
    await page.goto(`${app.server.url}/`);
    await page.evaluate(() =>
      localStorage.setItem('webrtc-connect:account-token', 'eyJhbGciOiJub25lIn0.e30.c2ln'),
    );
    await page.goto(`${app.server.url}/#account`);
    const status = '[data-testid="account-status"][data-error-code]';
    await page.waitFor(status, 15_000);
    expect(await page.attribute(status, 'data-error-code')).toMatch(/^ERR_TOKEN_/);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    // The form is there to sign in again.
    expect(
      await page.evaluate(
        () =>
          document.querySelector<HTMLButtonElement>('[data-testid="account-sign-in"]')?.disabled,
      ),
    ).toBe(false);

    // One whose own expiry has passed is not even tried.
    const expired = `e30.${Buffer.from(JSON.stringify({ sub: 'dave', exp: 1 })).toString('base64url')}.c2ln`;
    await page.evaluate(
      (token) => localStorage.setItem('webrtc-connect:account-token', token),
      expired,
    );
    await page.reload();
    await page.waitFor(status, 15_000);
    expect(await page.attribute(status, 'data-error-code')).toBe('ERR_TOKEN_EXPIRED');
    expect(await page.text(status)).toContain('expired');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });
});
