/**
 * The web app for people who use a keyboard or a screen reader, in Chromium against the real
 * server: axe-core finds no serious or critical violation on any screen, in the light and the
 * dark scheme; a link, a message and a file go with the keyboard alone, focus following each
 * new screen and a live region saying what arrived.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { seriousAxeViolations } from '../harness/axe.ts';
import { type BrowserPage, testId } from '../harness/browser-page.ts';
import { playwrightPage } from '../harness/playwright-page.ts';
import {
  createLinkOn,
  downloadedHash,
  sendChat,
  typeReply,
  waitForState,
} from '../harness/web-app-pages.ts';

const app = useWebApp({ devSignIn: true });

async function openRaw(path: string): Promise<{ raw: Page; page: BrowserPage }> {
  const raw = await app.chromium.newPage();
  const page = app.track(playwrightPage(raw));
  await page.goto(`${app.server.url}${path}`);
  return { raw, page };
}

/** Axe's serious and critical findings on `raw`, in both colour schemes, named by scheme. */
async function findings(raw: Page): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const colorScheme of ['light', 'dark'] as const) {
    await raw.emulateMedia({ colorScheme });
    found[colorScheme] = (await seriousAxeViolations(raw)).flatMap((violation) =>
      violation.nodes.map((node) => `${violation.id} (${violation.impact}) ${node}`),
    );
  }
  return found;
}

const none = { light: [], dark: [] };

describe('the web app, accessible', () => {
  it('has no serious axe violation on the home, link, answer and session screens', async () => {
    const a = await openRaw('/');
    await a.page.waitFor(testId('create-link'));
    expect(await findings(a.raw), 'home').toEqual(none);

    const link = await createLinkOn(a.page, { selfContained: true });
    expect(await findings(a.raw), 'link').toEqual(none);

    const b = await openRaw(link.slice(link.indexOf('/#')));
    await b.page.waitFor(testId('reply-code'));
    expect(await findings(b.raw), 'answer').toEqual(none);

    await typeReply(a.page, (await b.page.text(testId('reply-code'))) ?? '');
    await Promise.all([waitForState(a.page, 'connected'), waitForState(b.page, 'connected')]);
    await sendChat(a.page, b.page, 'hello');
    await sendChat(b.page, a.page, 'hi');
    await a.raw.locator(testId('file-input')).setInputFiles({
      name: 'note.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('a small file'),
    });
    await b.page.waitFor('[data-testid="transfer"][data-state="done"]');
    await a.page.waitFor('[data-testid="transfer"][data-state="done"]');
    expect(await findings(a.raw), 'session A').toEqual(none);
    expect(await findings(b.raw), 'session B').toEqual(none);
  });

  it('has no serious axe violation on the sound and account pages', async () => {
    const sound = await openRaw('/#sound');
    await sound.page.waitFor(testId('sound-offer'));
    expect(await findings(sound.raw), 'sound').toEqual(none);
    const account = await openRaw('/#account');
    await account.page.waitFor(testId('account-name'));
    expect(await findings(account.raw), 'account sign-in').toEqual(none);
    await account.page.fill(testId('account-name'), 'ada');
    await account.page.click(testId('account-sign-in'));
    await account.page.waitFor('[data-testid="account-devices"] li');
    expect(await findings(account.raw), 'account room').toEqual(none);
  });
});

/** Presses Tab until `selector` has the focus; fails if it is not among the next `max` stops. */
async function tabTo(raw: Page, selector: string, max = 15): Promise<void> {
  for (let press = 0; press < max; press += 1) {
    if (await raw.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await raw.keyboard.press('Tab');
  }
  throw new Error(`${selector} is not reached by ${max} presses of Tab`);
}

const focused = (raw: Page) =>
  raw.evaluate(() => document.activeElement?.textContent?.trim() ?? '');

describe('the web app by keyboard alone', () => {
  it('makes a link, chats and sends a file with Tab, Enter and Space; focus follows each screen', async () => {
    const a = await openRaw('/');
    await a.page.waitFor(testId('create-link'));
    await tabTo(a.raw, testId('create-link'));
    await a.raw.keyboard.press('Enter');
    await waitForState(a.page, 'waiting');
    expect(await focused(a.raw)).toBe('Your link');
    const link = await a.page.inputValue(testId('link'));

    const b = await openRaw(link.slice(link.indexOf('/#')));
    await Promise.all([waitForState(a.page, 'connected'), waitForState(b.page, 'connected')]);
    // Each side's focus is on the new screen's heading.
    await a.raw.waitForFunction(() => document.activeElement?.textContent === 'Connected');
    expect(await focused(b.raw)).toBe('Connected');

    await tabTo(a.raw, testId('message-input'));
    await a.raw.keyboard.type('typed, not clicked');
    await a.raw.keyboard.press('Enter');
    await b.page.waitFor('[data-testid="messages"][aria-live="polite"] li[data-from="peer"]');
    expect(await b.page.text('[data-testid="messages"] li[data-from="peer"]')).toContain(
      'typed, not clicked',
    );

    const content = randomBytes(200_000);
    await tabTo(a.raw, testId('file-input'));
    const chooser = a.raw.waitForEvent('filechooser');
    await a.raw.keyboard.press('Space');
    await (await chooser).setFiles({
      name: 'by-keyboard.bin',
      mimeType: 'application/octet-stream',
      buffer: content,
    });
    await b.raw.waitForFunction(
      () =>
        document.querySelector('[data-testid="announcer"]')?.textContent ===
        'Received by-keyboard.bin',
    );
    await tabTo(b.raw, testId('download'), 25);
    const href = (await b.page.attribute(testId('download'), 'href')) ?? '';
    expect(await downloadedHash(b.page, href)).toBe(
      createHash('sha256').update(content).digest('hex'),
    );
    expect(await a.page.text('[data-testid="announcer"]')).toBe('Sent by-keyboard.bin');
  });
});
