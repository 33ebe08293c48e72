// "Sign in with <provider>" in the web app, against panva's oidc-provider: Chromium goes through
// the provider's login and consent pages (authorization code with PKCE, the answer in the
// fragment), comes back signed in, and joins; two more pages of the same browser join as the
// same user from the kept sign-in; the code and tokens never reach a URL the server sees. Then
// the provider rotates its key hard (the old one gone) and a page joining again refreshes its
// token and is back; then the provider goes away for longer than the server keeps its keys,
// and a page joining again still gets in (the keys' outage grace), with nothing restarted.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppServer,
  type BuiltApp,
  buildWebApp,
  startAppServer,
} from '../harness/app-server.ts';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { type OidcProviderServer, startOidcProvider } from '../harness/oidc-provider-server.ts';
import { freePort } from '../harness/serve-process.ts';

let built: BuiltApp | undefined;
let provider: OidcProviderServer | undefined;
let server: AppServer | undefined;
let chromium: ChromiumHandle | undefined;
const seenPaths: string[] = [];

beforeAll(async () => {
  assertPrivateNetns();
  built = await buildWebApp();
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  provider = await startOidcProvider({ redirectUri: `${appUrl}/` });
  server = await startAppServer(built.dir, {
    port,
    oidc: { issuer: provider.issuer, clientId: provider.clientId, name: 'Test ID' },
    // Keys kept 1 s (the shortest there is), fetched at most once a second.
    jwt: { keysMaxAgeMs: 1_000, keysCooldownMs: 1_000 },
  });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await provider?.stop();
  await built?.remove();
});

async function deviceId(page: Page): Promise<string> {
  const id = page.getByTestId('account-device-id');
  try {
    // Attached, not visible: the id sits in the room's closed details view.
    await id.waitFor({ state: 'attached', timeout: 20_000 });
  } catch (error) {
    const status = await page.getByTestId('account-status').textContent({ timeout: 1_000 });
    throw new Error(`no device id at ${page.url()}; status: ${status}`, { cause: error });
  }
  return (await id.textContent()) ?? '';
}

/** Every page shows a connected room of three. */
async function roomOfThree(pages: Page[]): Promise<void> {
  await Promise.all(
    pages.map((page) =>
      page.waitForFunction(
        () => {
          const state = document.querySelector<HTMLElement>('[data-testid="account-state"]');
          const rows = document.querySelectorAll('[data-testid="account-devices"] li');
          return state?.dataset.state === 'connected' && rows.length === 3;
        },
        undefined,
        { timeout: 30_000 },
      ),
    ),
  );
}

describe('signing in with an OpenID Connect provider', () => {
  it('goes through its login page (code + PKCE); three pages of the user join one room, through a hard key rotation and an outage', async () => {
    if (!chromium || !server) throw new Error('not set up');
    const first = await chromium.newPage();
    // Every request the app's server gets, to check no code or token is among them.
    first.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === server?.url) seenPaths.push(`${url.pathname}${url.search}`);
    });
    await first.goto(`${server.url}/#account`);
    const button = first.getByTestId('account-oidc-sign-in');
    await button.waitFor({ timeout: 10_000 });
    expect(await button.textContent()).toBe('Sign in with Test ID');
    await button.click();
    // The provider's own pages: any login, then consent (refresh tokens need it).
    await first.locator('input[name="login"]').fill('alice@example.com');
    await first.locator('input[name="password"]').fill('any password');
    await first.locator('button[type="submit"]', { hasText: 'Sign-in' }).click();
    await first.locator('button[type="submit"]', { hasText: 'Continue' }).click();
    expect(await deviceId(first)).toBe('alice%40example.com-client-1');
    // The code came back in the fragment, and the address no longer holds it.
    expect(new URL(first.url()).hash).toBe('#account');

    // The same browser keeps the sign-in: more pages join as the same user.
    const others = [await chromium.newPage(), await chromium.newPage()];
    for (const page of others) await page.goto(`${server.url}/#account`);
    const ids = [await deviceId(others[0] as Page), await deviceId(others[1] as Page)];
    expect([...ids].sort()).toEqual([
      'alice%40example.com-client-2',
      'alice%40example.com-client-3',
    ]);
    const pages = [first, ...others];
    await roomOfThree(pages);

    // A hard rotation at the provider. Its old key serves until the server's keys are past
    // their age (1 s): the first page to join again after that makes the server fetch them
    // (and still gets in); the next, whose id_token names the dropped key, is refused, refreshes
    // its token at the provider and is back. A page that reloads keeps its id (its device key).
    await provider?.rotateKey();
    await first.waitForFunction(() => new Promise((done) => setTimeout(() => done(true), 1_100)));
    await others[0]?.reload();
    expect(await deviceId(others[0] as Page)).toBe(ids[0]);
    await others[0]?.reload();
    expect(await deviceId(others[0] as Page)).toBe(ids[0]);
    await roomOfThree(pages);

    // The provider goes away for longer than the server keeps its keys: the last keys serve.
    await provider?.stop();
    const stoppedAt = Date.now();
    await first.waitForFunction((since) => Date.now() - since > 1_500, stoppedAt);
    await others[1]?.reload();
    expect(await deviceId(others[1] as Page)).toBe(ids[1]);
    await roomOfThree(pages);
    expect(seenPaths.some((path) => /code=|token=|id_token|eyJ/.test(path))).toBe(false);
  }, 120_000);
});
