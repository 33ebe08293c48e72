// A person types the reply code half a minute after B answered: longer than Chromium keeps
// trying B's connectivity checks (DESIGN.md §4). The pages must still connect.
import { expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { testId } from '../harness/browser-page.ts';
import {
  createLinkOn,
  expectSameSas,
  replyCodeOn,
  sendChat,
  typeReply,
  waitForState,
} from '../harness/web-app-pages.ts';

/** How late the code is typed. Not synchronisation: the delay itself is what is under test. */
const TYPING_DELAY_MS = 30_000;

const app = useWebApp();

it(
  'connects two pages when the reply code is typed 30 s after B answered',
  async () => {
    const a = await app.open();
    // Self-contained: A has no offer in the mailbox, so no reply comes by itself; only typing.
    const link = await createLinkOn(a, { selfContained: true });
    const b = await app.open(link);
    const code = await replyCodeOn(b);

    await new Promise((resolve) => setTimeout(resolve, TYPING_DELAY_MS));
    expect(await a.attribute(testId('status'), 'data-state')).toBe('waiting');
    await typeReply(a, code);
    await Promise.all([waitForState(a, 'connected', 30_000), waitForState(b, 'connected', 30_000)]);
    await expectSameSas(a, b);
    await sendChat(a, b, 'typed late, connected anyway');
    await sendChat(b, a, 'and back');
  },
  TYPING_DELAY_MS + 60_000,
);
