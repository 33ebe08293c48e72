// The account page in Chromium, against the real server (development sign-in on) serving the
// production build: three pages of one user see each other, chat and send a file across all of
// them, and go on chatting after their broadcaster's page is closed.
import { createHash, randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { downloadedHash } from '../harness/web-app-pages.ts';

const app = useWebApp({ devSignIn: true });

/** Opens the home page and follows its link to the account page. */
async function openAccountPage(): Promise<Page> {
  const page = app.track(await app.chromium.newPage());
  await page.goto(`${app.server.url}/`);
  // The pages share one browser profile: start each signed out.
  await page.evaluate(() => localStorage.clear());
  await page.getByTestId('account-link').click();
  await page.getByTestId('account-name').waitFor({ timeout: 10_000 });
  return page;
}

async function signIn(page: Page, name: string): Promise<string> {
  await page.getByTestId('account-name').fill(name);
  await page.getByTestId('account-sign-in').click();
  const id = page.getByTestId('account-device-id');
  await id.waitFor({ timeout: 15_000 });
  return (await id.textContent()) ?? '';
}

/** What the page's device list shows: ids in order, the broadcaster and the epoch. */
async function shownRoom(page: Page) {
  const list = page.getByTestId('account-devices');
  return {
    ids: await list.locator('li').evaluateAll((rows) => rows.map((row) => row.dataset.deviceId)),
    broadcaster: await list.getAttribute('data-broadcaster'),
    epoch: Number(await list.getAttribute('data-epoch')),
  };
}

/** Waits until every page lists exactly `ids` (in any order), one broadcaster among them. */
async function waitForRoom(pages: Page[], ids: string[]): Promise<void> {
  await Promise.all(
    pages.map((page) =>
      page.waitForFunction(
        (expected) => {
          const list = document.querySelector<HTMLElement>('[data-testid="account-devices"]');
          const shown = [...(list?.querySelectorAll('li') ?? [])].map(
            (row) => row.dataset.deviceId,
          );
          const state = document.querySelector<HTMLElement>('[data-testid="account-state"]');
          return (
            state?.dataset.state === 'connected' &&
            shown.length === expected.length &&
            expected.every((id) => shown.includes(id)) &&
            expected.includes(list?.dataset.broadcaster ?? '')
          );
        },
        ids,
        { timeout: 20_000 },
      ),
    ),
  );
}

async function chat(from: Page, fromId: string, to: Page[], text: string): Promise<void> {
  await from.getByTestId('account-message-input').fill(text);
  await from.getByTestId('account-send').click();
  await Promise.all(
    to.map((page) =>
      page
        .locator(`[data-testid="account-messages"] li[data-kind="device"][data-from="${fromId}"]`, {
          hasText: text,
        })
        .waitFor({ timeout: 15_000 }),
    ),
  );
  // The sender marks it delivered once every other device has it.
  await from
    .locator('[data-testid="account-messages"] li[data-delivery="delivered"]', { hasText: text })
    .waitFor({ timeout: 15_000 });
}

describe('the account page in Chromium, against the real server', () => {
  it('shows the server code when the token is refused', async () => {
    const page = await openAccountPage();
    try {
      await page.getByTestId('account-token').fill('not.a.token');
      await page.getByTestId('account-use-token').click();
      const status = page.locator('[data-testid="account-status"][data-error-code]');
      await status.waitFor({ timeout: 15_000 });
      expect(await status.getAttribute('data-error-code')).toMatch(/^ERR_TOKEN_/);
      expect(await status.textContent()).toMatch(/token/i);
    } finally {
      await page.close();
    }
  });

  it('three pages of one user share a broadcaster, chat and a file; after the broadcaster page closes the other two chat on', async () => {
    const pages = [await openAccountPage(), await openAccountPage(), await openAccountPage()];
    try {
      // One after another: the first to join is the broadcaster.
      const ids: string[] = [];
      for (const page of pages) ids.push(await signIn(page, 'alice'));
      expect(new Set(ids).size).toBe(3);
      await waitForRoom(pages, ids);
      const rooms = await Promise.all(pages.map(shownRoom));
      const first = rooms[0];
      expect(first?.broadcaster).toBe(ids[0]);
      for (const room of rooms) expect(room).toEqual(first);

      const [a, b, c] = pages as [Page, Page, Page];
      const [idA, idB, idC] = ids as [string, string, string];
      await chat(b, idB, [a, c], 'hello from b');
      await chat(a, idA, [b, c], 'hello from the broadcaster');

      // 600 KiB: four chunks, acknowledged by both other pages.
      const content = randomBytes(600 * 1024);
      const expected = createHash('sha256').update(content).digest('hex');
      await c.getByTestId('account-file-input').setInputFiles({
        name: 'photo.bin',
        mimeType: 'application/octet-stream',
        buffer: content,
      });
      for (const page of [a, b]) {
        const link = page.getByTestId('account-transfers').getByTestId('download');
        await link.waitFor({ timeout: 20_000 });
        expect(await downloadedHash(page, (await link.getAttribute('href')) ?? '')).toBe(expected);
      }
      await c
        .locator('[data-testid="account-transfers"] li[data-state="done"]')
        .waitFor({ timeout: 20_000 });

      await a.close();
      await waitForRoom([b, c], [idB, idC]);
      const after = await Promise.all([b, c].map(shownRoom));
      expect(after[0]).toEqual(after[1]);
      expect(after[0]?.broadcaster).not.toBe(idA);
      expect(after[0]?.epoch).toBeGreaterThan(first?.epoch ?? 0);
      for (const page of [b, c]) {
        const notice = page.locator(
          `[data-testid="account-messages"] li[data-kind="notice"][data-epoch="${after[0]?.epoch}"]`,
        );
        await notice.waitFor({ timeout: 10_000 });
        expect(await notice.textContent()).toContain('New broadcaster');
        expect(await page.locator('[data-testid="account-devices"] li.broadcaster').count()).toBe(
          1,
        );
      }
      await chat(b, idB, [c], 'still here, b');
      await chat(c, idC, [b], 'still here, c');
    } finally {
      await Promise.all(pages.filter((page) => !page.isClosed()).map((page) => page.close()));
    }
  });

  it('remembers the sign-in on the device: a reload joins by itself; signing out forgets it', async () => {
    const page = await openAccountPage();
    expect(await signIn(page, 'bob')).toMatch(/^bob-client-\d+$/);
    await page.reload();
    // No form filled: the page joins with the token it kept.
    const again = page.getByTestId('account-device-id');
    await again.waitFor({ timeout: 15_000 });
    expect(await again.textContent()).toMatch(/^bob-client-\d+$/);
    expect(await page.locator('.account-panel').textContent()).toContain('Signed in as bob');

    await page.getByTestId('account-sign-out').click();
    await page.getByTestId('account-name').waitFor({ timeout: 10_000 });
    await page.reload();
    await page.getByTestId('account-name').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('account-device-id').count()).toBe(0);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('joins with a token an identity provider hands over in the fragment, and keeps it out of the address', async () => {
    const response = await fetch(`${app.server.url}/api/dev/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol' }),
    });
    const { token } = (await response.json()) as { token: string };
    const page = app.track(await app.chromium.newPage());
    await page.goto(`${app.server.url}/`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${app.server.url}/#account&token=${token}`);
    await page.getByTestId('account-device-id').waitFor({ timeout: 15_000 });
    expect(await page.locator('.account-panel').textContent()).toContain('Signed in as carol');
    expect(await page.evaluate(() => location.hash)).toBe('#account');
    await page.close();
  });

  it('forgets a remembered token the server refuses, and says why', async () => {
    const page = app.track(await app.chromium.newPage());
    await page.goto(`${app.server.url}/`);
    await page.evaluate(() =>
      localStorage.setItem('webrtc-connect:account-token', 'eyJhbGciOiJub25lIn0.e30.c2ln'),
    );
    await page.goto(`${app.server.url}/#account`);
    const status = page.locator('[data-testid="account-status"][data-error-code]');
    await status.waitFor({ timeout: 15_000 });
    expect(await status.getAttribute('data-error-code')).toMatch(/^ERR_TOKEN_/);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    // The form is there to sign in again.
    expect(await page.getByTestId('account-sign-in').isEnabled()).toBe(true);

    // One whose own expiry has passed is not even tried.
    const expired = `e30.${Buffer.from(JSON.stringify({ sub: 'dave', exp: 1 })).toString('base64url')}.c2ln`;
    await page.evaluate(
      (token) => localStorage.setItem('webrtc-connect:account-token', token),
      expired,
    );
    await page.reload();
    await status.waitFor({ timeout: 15_000 });
    expect(await status.getAttribute('data-error-code')).toBe('ERR_TOKEN_EXPIRED');
    expect(await status.textContent()).toContain('expired');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });
});
