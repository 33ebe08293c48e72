// The web app's rough edges against the real server: the link page counts down the link's life
// and sees it expire within a second, then offers a new link (Chromium and Firefox); and each
// way a link goes wrong (cut short, one character changed, a reply sealed under another secret)
// gets its own sentence, as does the self-contained mode's reply code on B (Chromium).
import { createLinkSecret, fromLinkText, sealSignal, toLinkText } from '@webrtc-connect/signal';
import { describe, expect, it } from 'vitest';
import { startAppServer, useWebApp } from '../harness/app-server.ts';
import { testId } from '../harness/browser-page.ts';
import { playwrightPage } from '../harness/playwright-page.ts';
import { createLinkOn, replyCodeOn, shownError, waitForState } from '../harness/web-app-pages.ts';

const app = useWebApp({ firefox: true });

/** The link with the character at `index` of its fragment replaced by another. */
function changeCharacter(link: string, index: number): string {
  const at = link.indexOf('#') + 1 + index;
  const replacement = link[at] === 'A' ? 'B' : 'A';
  return `${link.slice(0, at)}${replacement}${link.slice(at + 1)}`;
}

describe('the link page, counting down', () => {
  it('shows the time the link has left', async () => {
    const a = await app.open('/');
    await createLinkOn(a);
    // The server's default life: ten minutes.
    expect(await a.text(testId('link-expiry'))).toMatch(/^Link works for (10:00|9:[0-5]\d)$/);
  });

  it.each(['chromium', 'firefox'] as const)(
    'sees the link expire within a second, takes it down and makes a new one (%s)',
    async (browser) => {
      const server = await startAppServer(app.webRoot, { offerTtlMs: 4000 });
      try {
        const a = await app.open(`${server.url}/`, browser);
        // When the page first says it failed, by the page's clock.
        await a.evaluate(() => {
          new MutationObserver(() => {
            const scope = globalThis as { failedAt?: number };
            const status = document.querySelector('[data-testid="status"]');
            if (status?.getAttribute('data-state') === 'failed') scope.failedAt ??= Date.now();
          }).observe(document.body, { subtree: true, attributes: true, childList: true });
        });
        await createLinkOn(a);
        const first = (await a.text(testId('link-expiry'))) ?? '';
        expect(first).toMatch(/^Link works for 0:0[1-4]$/);
        const expiresAt = Date.parse(
          (await a.attribute(testId('link-expiry'), 'data-expires-at')) ?? '',
        );
        // It counts down.
        await a.waitForFunction((shown) => {
          const text = document.querySelector('[data-testid="link-expiry"]')?.textContent;
          return text !== shown && /^Link works for 0:0[0-3]$/.test(text ?? '');
        }, first);

        const expired = await shownError(a, 'status');
        expect(expired.code).toBe('ERR_EXPIRED');
        expect(expired.text).toContain('The link expired before the other device opened it');
        const failedAt = await a.evaluate(
          () => (globalThis as { failedAt?: number }).failedAt ?? 0,
        );
        expect(failedAt - expiresAt).toBeGreaterThanOrEqual(-50);
        expect(failedAt - expiresAt).toBeLessThan(1000);
        // Nothing of the dead link stays on the page.
        for (const id of ['link', 'qr-code', 'link-expiry', 'reply-input']) {
          expect(await a.count(testId(id))).toBe(0);
        }
        const copyButtons = await a.evaluate(
          () =>
            [...document.querySelectorAll('button')].filter((b) => b.textContent === 'Copy link')
              .length,
        );
        expect(copyButtons).toBe(0);
        expect(await a.text(testId('start-again'))).toBe('Make a new link');

        await a.click(testId('start-again'));
        await waitForState(a, 'waiting');
        expect(await a.text(testId('link-expiry'))).toMatch(/^Link works for 0:0[1-4]$/);
        expect(await a.count(testId('start-again'))).toBe(0);
      } finally {
        await server.close();
      }
    },
  );
});

describe('what a broken link or reply is called', () => {
  it('says a link cut short is incomplete, in both kinds of link', async () => {
    const a = await app.open('/');
    const mailboxLink = await createLinkOn(a);
    const cut = await app.open(mailboxLink.slice(0, -3));
    const incomplete = await shownError(cut, 'status');
    expect(incomplete.code).toBe('ERR_LINK_INCOMPLETE');
    expect(incomplete.text).toContain('This link is incomplete');

    const other = await app.open('/');
    const selfContained = await createLinkOn(other, { selfContained: true });
    const half = selfContained.slice(0, selfContained.indexOf('#') + 60);
    const cutOffer = await shownError(await app.open(half), 'status');
    expect(cutOffer).toMatchObject({ code: 'ERR_LINK_INCOMPLETE' });
    expect(cutOffer.text).toContain('This link is incomplete');
  });

  it('says one changed character was likely a copying slip, not a forgery', async () => {
    const a = await app.open('/');
    const link = await createLinkOn(a);
    // Characters 2 to 21 of the fragment hold the link secret, 23 to 38 the offer id.
    const inSecret = await shownError(await app.open(changeCharacter(link, 10)), 'status');
    expect(inSecret.code).toBe('ERR_FORGED');
    expect(inSecret.text).toContain('a character was most likely changed');
    expect(inSecret.text).not.toMatch(/forged|altered/);

    const inOfferId = await shownError(await app.open(changeCharacter(link, 30)), 'status');
    expect(inOfferId.code).toBe('ERR_NOT_FOUND');
    expect(inOfferId.text).toContain('mistyped');
  });

  it('calls a reply that fails the seal check altered or forged', async () => {
    const a = await app.open('/');
    const link = await createLinkOn(a);
    const offerId = toLinkText(fromLinkText(new URL(link).hash.slice(1)).subarray(17));
    const base = app.server.url;
    // A replies only to an uploaded offer: wait for it as B would.
    while ((await fetch(`${base}/api/offers/${offerId}?wait=25`)).status === 204);
    // Whoever writes to the mailbox without the link secret can only seal under another key.
    const sealed = await sealSignal(Uint8Array.of(0x28, 1, 2, 3), createLinkSecret(), 'answer');
    const response = await fetch(`${base}/api/replies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sealed: toLinkText(sealed), offerId }),
    });
    expect(response.status).toBe(201);
    const refused = await shownError(a, 'status');
    expect(refused.code).toBe('ERR_FORGED');
    expect(refused.text).toContain('altered or forged');
  });

  it('tells B of a self-contained link that A must type the code, and B of a mailbox link that it comes by itself', async () => {
    const a = await app.open('/');
    const b = await app.open(await createLinkOn(a, { selfContained: true }));
    await replyCodeOn(b);
    const hint = (await b.text(testId('reply-code-hint'))) ?? '';
    expect(hint).toContain('Type this code on the other device');
    expect(hint).not.toContain('by itself');

    // A's wait for the reply is held, so B's page keeps its code on show.
    const raw = await app.chromium.newPage();
    await raw.route('**/api/offers/*/reply*', () => {});
    const c = app.track(playwrightPage(raw));
    await c.goto(`${app.server.url}/`);
    const mailboxLink = await createLinkOn(c);
    const d = await app.open(mailboxLink);
    await d.waitFor(testId('reply-code-hint'));
    expect(await d.text(testId('reply-code-hint'))).toContain('should connect by itself');
  });
});
