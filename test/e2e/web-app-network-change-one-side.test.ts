// A network change on ONE side of a connected link session (DESIGN §4.5): each page runs in a
// browser in a network namespace of its own (side-netns.ts), routed to the other and to the
// server, so one side's network can change while the other's stays as it was. The moving
// side's candidates all die, its requests to the server may hang on dead connections, and the
// side that did not move may see nothing wrong for a while (or, the other way round, be the
// only one that does). Both pages come back, the chat goes on both ways, same names.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppServer,
  type BuiltApp,
  buildWebApp,
  startAppServer,
} from '../harness/app-server.ts';
import type { BrowserName, BrowserPage, TestBrowser } from '../harness/browser-page.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { launchSideBrowser } from '../harness/side-browsers.ts';
import {
  becomeRouter,
  openSideNetwork,
  SERVER_ADDRESS,
  type SideNetwork,
} from '../harness/side-netns.ts';
import {
  createLinkOn,
  hasShown,
  openApp,
  peerNames,
  recordStates,
  sendChat,
  waitForItem,
  waitForState,
} from '../harness/web-app-pages.ts';

/** Each side's home subnet (10.N.0.0/24), and where a move takes it. */
const HOME = { a: 91, b: 92 } as const;
const AWAY = { a: 93, b: 94 } as const;

let built: BuiltApp | undefined;
let server: AppServer | undefined;
let stopRouting: (() => Promise<void>) | undefined;

beforeAll(async () => {
  assertPrivateNetns();
  stopRouting = await becomeRouter();
  built = await buildWebApp();
  server = await startAppServer(built.dir, { host: SERVER_ADDRESS });
});

afterAll(async () => {
  await server?.close();
  await built?.remove();
  // The files after this one share the namespace: no server address or forwarding left behind.
  await stopRouting?.();
});

const serverUrl = (): string => {
  if (!server) throw new Error('the server is used before beforeAll');
  return server.url;
};

interface Side {
  network: SideNetwork;
  browser: TestBrowser;
}

/** A's and B's networks and browsers for the tests of one pairing; pages closed after each. */
function useSides(a: BrowserName, b: BrowserName) {
  const sides: Partial<Record<'a' | 'b', Side>> = {};
  let pages: BrowserPage[] = [];
  beforeAll(async () => {
    const names = { a, b };
    await Promise.all(
      (['a', 'b'] as const).map(async (role) => {
        const network = await openSideNetwork(HOME[role]);
        try {
          sides[role] = {
            network,
            browser: await launchSideBrowser(names[role], network, serverUrl()),
          };
        } catch (error) {
          await network.close();
          throw error;
        }
      }),
    );
  });
  afterEach(async () => {
    await Promise.all(pages.map((page) => page.close().catch(() => {})));
    pages = [];
    // Home again, whatever the test did to its network.
    for (const role of ['a', 'b'] as const) {
      const network = sides[role]?.network;
      await network?.setLink(true);
      if (network && network.address !== `10.${HOME[role]}.0.2`) {
        await network.leave();
        await network.join(HOME[role]);
      }
    }
  });
  afterAll(async () => {
    for (const side of Object.values(sides)) {
      await side.browser.close().catch(() => {});
      await side.network.close();
    }
  });
  const side = (role: 'a' | 'b'): Side => {
    const found = sides[role];
    if (!found) throw new Error(`side ${role} did not start`);
    return found;
  };
  return {
    side,
    /** A link session between a page on each side, connected, chat both ways. */
    async connect(): Promise<Record<'a' | 'b', BrowserPage>> {
      const pageA = await openApp(side('a').browser, `${serverUrl()}/`);
      pages.push(pageA);
      const link = await createLinkOn(pageA);
      const pageB = await openApp(side('b').browser, link);
      pages.push(pageB);
      await Promise.all([waitForState(pageA, 'connected'), waitForState(pageB, 'connected')]);
      await sendChat(pageA, pageB, 'before the change');
      await sendChat(pageB, pageA, 'and back');
      return { a: pageA, b: pageB };
    },
  };
}

/**
 * Sends `text` once and waits until it shows on the other side. Right after a move, Chromium
 * may carry the old connection over to its new network while Firefox on the other side keeps
 * sending to the old address; both show connected until the heartbeat tells (about 5 s), then
 * the session goes on over a new connection and the messenger sends what was not acknowledged
 * again: hence the longer wait, but one send.
 */
async function chatGetsThrough(from: BrowserPage, to: BrowserPage, text: string): Promise<void> {
  await from.fill('[data-testid="message-input"]', text);
  await from.click('[data-testid="send"]');
  await waitForItem(to, PEER_ITEMS, text, 40_000);
}

const PEER_ITEMS = '[data-testid="messages"] li[data-from="peer"]';

/** How many of the page's messages from the peer say `text` (a text sent again shows once). */
function shownTimes(page: BrowserPage, text: string): Promise<number> {
  return page.evaluate(
    ([selector, wanted]) =>
      [...document.querySelectorAll(selector)].filter((item) => item.textContent?.includes(wanted))
        .length,
    [PEER_ITEMS, text] as const,
  );
}

type Change = 'moves to another subnet' | 'loses its link for a moment';

const PAIRINGS: ReadonlyArray<{
  a: BrowserName;
  b: BrowserName;
  changes: ReadonlyArray<{ mover: 'a' | 'b'; change: Change }>;
}> = [
  // Chromium moves as A, Firefox as B; the side that stays is the other browser each time.
  {
    a: 'chromium',
    b: 'firefox',
    changes: [
      { mover: 'a', change: 'moves to another subnet' },
      { mover: 'b', change: 'moves to another subnet' },
    ],
  },
  { a: 'firefox', b: 'chromium', changes: [{ mover: 'a', change: 'loses its link for a moment' }] },
];

describe('a link session resumes after a network change on one side only', () => {
  for (const { a, b, changes } of PAIRINGS) {
    describe(`A ${a}, B ${b}`, () => {
      const sides = useSides(a, b);
      for (const { mover, change } of changes) {
        const stays = mover === 'a' ? 'b' : 'a';
        it(`only ${mover.toUpperCase()} ${change}; both come back, the chat goes on`, async () => {
          const pages = await sides.connect();
          const names = await peerNames([pages.a, pages.b]);
          const moving = sides.side(mover).network;
          const stayingAddress = sides.side(stays).network.address;
          await recordStates(pages[mover]);
          // Off its network: its page notices (ICE, or the other side's silence), the other
          // side's may not yet. Then onto another network, or back on its link.
          await (change === 'moves to another subnet' ? moving.leave() : moving.setLink(false));
          await hasShown(pages[mover], 'reconnecting', 30_000);
          await (change === 'moves to another subnet'
            ? moving.join(AWAY[mover])
            : moving.setLink(true));
          await Promise.all([
            waitForState(pages[mover], 'connected', 45_000),
            waitForState(pages[stays], 'connected', 45_000),
          ]);
          await chatGetsThrough(pages[mover], pages[stays], 'from the new network');
          await chatGetsThrough(pages[stays], pages[mover], 'from where I was');
          expect(await shownTimes(pages[stays], 'from the new network')).toBe(1);
          expect(await shownTimes(pages[mover], 'from where I was')).toBe(1);
          expect(sides.side(stays).network.address).toBe(stayingAddress);
          expect(await peerNames([pages.a, pages.b])).toEqual(names);
        }, 120_000);
      }
    });
  }
});
