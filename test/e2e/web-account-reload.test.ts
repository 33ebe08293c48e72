// An account page that reloads comes back as the same device: its tab's device key (kept in
// IndexedDB, found again through session storage) is proved to the server, which gives it back
// its <user>-client-<n>. The other pages never list it twice, nor under another id, in
// Chromium and Firefox; a broadcaster page that reloads is replaced and comes back as a client.
import { describe, expect, it } from 'vitest';
import {
  openAccountPage,
  shownDeviceId,
  signIn,
  waitForRoom as waitForRoomOf,
} from '../harness/account-pages.ts';
import { useWebApp } from '../harness/app-server.ts';
import { type BrowserName, type BrowserPage, testId } from '../harness/browser-page.ts';
import { waitForItem } from '../harness/web-app-pages.ts';

const app = useWebApp({ devSignIn: true, firefox: true });

/** A signed-in account page; `tabKey` as openAccountPage takes it. */
async function signedInPage(
  browser: BrowserName,
  name: string,
  tabKey?: string,
): Promise<BrowserPage> {
  const page = await openAccountPage(app, browser, tabKey);
  await signIn(page, name);
  return page;
}

/** The room as every page must show it (a reload gives the pages more to do: 30 s). */
const waitForRoom = (pages: BrowserPage[], ids: string[]) => waitForRoomOf(pages, ids, 30_000);

/** From now on, the page writes down every device list it shows. */
async function watchLists(page: BrowserPage): Promise<void> {
  await page.evaluate(() => {
    const seen: string[][] = [];
    (window as unknown as { shownLists: string[][] }).shownLists = seen;
    const note = () => {
      const list = document.querySelector('[data-testid="account-devices"]');
      seen.push(
        [...(list?.querySelectorAll('li') ?? [])].map(
          (row) => (row as HTMLElement).dataset.deviceId ?? '',
        ),
      );
    };
    note();
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
    });
  });
}

const shownLists = (page: BrowserPage) =>
  page.evaluate(() => (window as unknown as { shownLists: string[][] }).shownLists);

async function chat(from: BrowserPage, fromId: string, to: BrowserPage[], text: string) {
  await from.fill(testId('account-message-input'), text);
  await from.click(testId('account-send'));
  const item = `[data-testid="account-messages"] li[data-kind="device"][data-from="${fromId}"]`;
  await Promise.all(to.map((page) => waitForItem(page, item, text, 20_000)));
}

describe('an account page that reloads', () => {
  it.each(['chromium', 'firefox'] as const)(
    'keeps its id, and the others never see a ghost of it (%s)',
    async (browser) => {
      const user = `reloader-${browser}`;
      const pages = [
        await signedInPage(browser, user),
        await signedInPage(browser, user),
        await signedInPage(browser, user),
      ];
      const [a, b, c] = pages as [BrowserPage, BrowserPage, BrowserPage];
      const ids = await Promise.all(pages.map(shownDeviceId));
      expect(ids).toEqual([`${user}-client-1`, `${user}-client-2`, `${user}-client-3`]);
      await waitForRoom(pages, ids);
      await Promise.all([a, b].map(watchLists));

      // A client page reloads: the same id, and the room is whole again.
      await c.reload();
      await c.waitFor(testId('account-device-id'), 15_000);
      expect(await shownDeviceId(c)).toBe(ids[2]);
      await waitForRoom(pages, ids);
      await chat(c, ids[2] as string, [a, b], 'back after a reload');

      // The broadcaster's page reloads: another takes over, and it comes back as a client.
      await watchLists(c);
      await a.reload();
      await a.waitFor(testId('account-device-id'), 15_000);
      expect(await shownDeviceId(a)).toBe(ids[0]);
      await waitForRoom(pages, ids);
      const broadcaster = await b.attribute(testId('account-devices'), 'data-broadcaster');
      expect(broadcaster).not.toBe(ids[0]);
      await chat(a, ids[0] as string, [b, c], 'the old broadcaster, back');

      // Never a device twice, nor one under another id.
      for (const page of [a, b, c].slice(1)) {
        for (const list of await shownLists(page)) {
          expect(new Set(list).size).toBe(list.length);
          for (const id of list) expect(ids).toContain(id);
        }
      }
      for (const list of await shownLists(b)) expect(list.length).toBeLessThanOrEqual(3);
    },
  );

  it('a copy of a tab (its session storage copied, as duplicating a tab does) takes its place; the first says why', async () => {
    const user = 'duplicated';
    const first = await signedInPage('chromium', user);
    const other = await signedInPage('chromium', user);
    const id = await shownDeviceId(first);
    await waitForRoom([first, other], [id, await shownDeviceId(other)]);
    const tabKey = await first.evaluate(() => sessionStorage.getItem('webrtc-connect:device-key'));
    expect(tabKey).toMatch(/^[0-9a-f-]{36}$/);
    const copy = await signedInPage('chromium', user, tabKey ?? '');
    expect(await shownDeviceId(copy)).toBe(id);
    await first.waitFor('[data-testid="account-state"][data-state="closed"]', 15_000);
    await waitForItem(
      first,
      '[data-testid="account-messages"] li[data-kind="notice"]',
      'took its place',
      10_000,
    );
    await waitForRoom([copy, other], [id, await shownDeviceId(other)]);
  });
});
