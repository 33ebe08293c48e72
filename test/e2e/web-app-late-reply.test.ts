// A person types the reply code half a minute after B answered: longer than Chromium keeps
// trying B's connectivity checks (DESIGN.md §4). The pages must still connect.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type AppServer,
  type BuiltApp,
  buildWebApp,
  startAppServer,
} from '../harness/app-server.ts';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import {
  createLinkOn,
  expectSameSas,
  openApp,
  replyCodeOn,
  sendChat,
  typeReply,
  waitForState,
} from '../harness/web-app-pages.ts';

/** How late the code is typed. Not synchronisation: the delay itself is what is under test. */
const TYPING_DELAY_MS = 30_000;

let built: BuiltApp;
let server: AppServer;
let chromium: ChromiumHandle;
const pages: Page[] = [];

beforeAll(async () => {
  assertPrivateNetns();
  built = await buildWebApp();
  server = await startAppServer(built.dir);
  chromium = await launchChromium();
});

afterAll(async () => {
  await Promise.all(pages.map((page) => page.close()));
  await chromium?.close();
  await server?.close();
  await built?.remove();
});

it(
  'connects two pages when the reply code is typed 30 s after B answered',
  async () => {
    const a = await openApp(chromium, `${server.url}/`);
    pages.push(a);
    // Self-contained: A has no offer in the mailbox, so no reply comes by itself; only typing.
    const link = await createLinkOn(a, { selfContained: true });
    const b = await openApp(chromium, link);
    pages.push(b);
    const code = await replyCodeOn(b);

    await new Promise((resolve) => setTimeout(resolve, TYPING_DELAY_MS));
    expect(await a.getByTestId('status').getAttribute('data-state')).toBe('waiting');
    await typeReply(a, code);
    await Promise.all([waitForState(a, 'connected', 30_000), waitForState(b, 'connected', 30_000)]);
    await expectSameSas(a, b);
    await sendChat(a, b, 'typed late, connected anyway');
    await sendChat(b, a, 'and back');
  },
  TYPING_DELAY_MS + 60_000,
);
