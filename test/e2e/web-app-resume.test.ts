// A reload of either page of a connected link session resumes it (DESIGN §4.5): no new link
// or code, the other page shows "Reconnecting…" meanwhile, and the chat goes on with the same
// names. The signals travel sealed through the mailbox's resume box.
import { describe, expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { type BrowserPage, PAIRINGS, testId } from '../harness/browser-page.ts';
import {
  connectedPages,
  createLinkOn,
  peerNames,
  recordStates,
  seenStates,
  sendChat,
  waitForState,
} from '../harness/web-app-pages.ts';

const app = useWebApp({ firefox: true });

async function connectedPair(a: BrowserPage['browser'], b: BrowserPage['browser']) {
  const pair = await connectedPages(app, a, b);
  await sendChat(pair.a, pair.b, 'before the reload');
  await sendChat(pair.b, pair.a, 'and back');
  return pair;
}

describe('a link session resumes after a reload', () => {
  for (const pairing of PAIRINGS) {
    it(`${pairing.name}: reload B, then A; the chat goes on with the same names`, async () => {
      const pair = await connectedPair(pairing.a, pairing.b);
      const names = await peerNames([pair.a, pair.b]);
      for (const side of ['b', 'a'] as const) {
        const reloaded = pair[side];
        const other = pair[side === 'a' ? 'b' : 'a'];
        const link = side === 'b' ? await reloaded.evaluate(() => location.href) : null;
        const asked = reloaded.dialogs.length;
        await recordStates(other);
        await reloaded.reload();
        // A live session asks before the page is left (a reload included).
        expect(reloaded.dialogs.slice(asked)).toContain('beforeunload');
        await Promise.all([
          waitForState(reloaded, 'connected', 30_000),
          waitForState(other, 'connected', 30_000),
        ]);
        // Meanwhile the other page said it was reconnecting (for as long as it took: briefly).
        expect(await seenStates(other)).toContain('reconnecting');
        // The same link: no new link, no code.
        if (link) expect(await reloaded.evaluate(() => location.href)).toBe(link);
        await sendChat(reloaded, other, `after reloading ${side.toUpperCase()}`);
        await sendChat(other, reloaded, `still here (${side})`);
        expect(await peerNames([pair.a, pair.b])).toEqual(names);
        expect(await pair.b.text(testId('sas'))).toBe(await pair.a.text(testId('sas')));
      }
    });
  }

  it('A chromium, B firefox: a first text lost with its connection comes before a newer one', async () => {
    const pageA = await app.open('/', 'chromium');
    const link = await createLinkOn(pageA);
    const pageB = await app.open(link, 'firefox');
    await Promise.all([waitForState(pageA, 'connected'), waitForState(pageB, 'connected')]);
    // A's first text goes nowhere (its connection is about to be replaced): no `got` ever came.
    await pageA.evaluate(() => {
      const scope = globalThis as { losingTexts?: boolean };
      scope.losingTexts = true;
      const send = RTCDataChannel.prototype.send as (this: RTCDataChannel, data: unknown) => void;
      const sendUnlessLost = function (this: RTCDataChannel, data: unknown) {
        if (scope.losingTexts && typeof data === 'string' && data.startsWith('{"t":"text"')) return;
        send.call(this, data);
      };
      RTCDataChannel.prototype.send = sendUnlessLost as typeof RTCDataChannel.prototype.send;
    });
    await pageA.fill(testId('message-input'), 'first');
    await pageA.click(testId('send'));
    // B reloads: a new connection, on which A's next text is sent at once.
    await pageB.reload();
    await Promise.all([
      waitForState(pageB, 'connected', 30_000),
      waitForState(pageA, 'connected', 30_000),
    ]);
    // A is on the new connection (not still on the old one, which it may not have seen go).
    await pageA.waitFor(testId('sas-changed'), 30_000);
    await pageA.evaluate(() => {
      (globalThis as { losingTexts?: boolean }).losingTexts = false;
    });
    await sendChat(pageA, pageB, 'second');
    const shown = await pageB.evaluate(() =>
      [...document.querySelectorAll('[data-testid="messages"] li[data-from="peer"]')].map((item) =>
        item.textContent?.replace(/^.*: /, ''),
      ),
    );
    expect(shown).toEqual(['first', 'second']);
  });

  it('Back within the app keeps the session', async () => {
    const pair = await connectedPair('chromium', 'chromium');
    await pair.a.evaluate(() => history.back());
    await sendChat(pair.a, pair.b, 'after Back');
    expect(await pair.a.attribute(testId('status'), 'data-state')).toBe('connected');
  });
});
