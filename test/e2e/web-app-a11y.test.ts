/**
 * The web app for people who use a keyboard or a screen reader, in Chromium against the real
 * server: axe-core finds no serious or critical violation on any screen, in the light and the
 * dark scheme.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { seriousAxeViolations } from '../harness/axe.ts';
import { type BrowserPage, testId } from '../harness/browser-page.ts';
import { playwrightPage } from '../harness/playwright-page.ts';
import { createLinkOn, sendChat, typeReply, waitForState } from '../harness/web-app-pages.ts';

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
