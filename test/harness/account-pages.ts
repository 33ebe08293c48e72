import type { WebAppFixture } from './app-server.ts';
import { type BrowserName, type BrowserPage, testId } from './browser-page.ts';

/**
 * Opens the home page signed out and follows its link to the account page. `tabKey`: the name
 * of another tab's device key, as a duplicated tab has it in its session storage.
 */
export async function openAccountPage(
  app: WebAppFixture,
  browser: BrowserName = 'chromium',
  tabKey?: string,
): Promise<BrowserPage> {
  const page = await app.blankPage(browser);
  await page.goto(`${app.server.url}/`);
  // The pages share one browser profile: start each signed out.
  await page.evaluate(() => localStorage.clear());
  if (tabKey !== undefined) {
    await page.evaluate((key) => sessionStorage.setItem('webrtc-connect:device-key', key), tabKey);
  }
  await page.click(testId('account-link'));
  await page.waitFor(testId('account-name'), 10_000);
  return page;
}

/** Signs the account page in as `name` (development sign-in); the device id it was given. */
export async function signIn(page: BrowserPage, name: string): Promise<string> {
  await page.fill(testId('account-name'), name);
  await page.click(testId('account-sign-in'));
  await page.waitFor(testId('account-device-id'), 15_000);
  return shownDeviceId(page);
}

/** The device id the account page shows for itself. */
export async function shownDeviceId(page: BrowserPage): Promise<string> {
  return (await page.text(testId('account-device-id'))) ?? '';
}

/** Waits until every page is connected and lists exactly `ids` (in any order), one broadcaster among them. */
export async function waitForRoom(
  pages: BrowserPage[],
  ids: string[],
  timeoutMs = 20_000,
): Promise<void> {
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
        timeoutMs,
      ),
    ),
  );
}
