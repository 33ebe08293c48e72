// The library across two WebRTC stacks: a Chromium page and a Node peer (node-datachannel)
// connect by the link way through the real server, then talk through the messenger.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RTCPeerConnection as NdcPeerConnection } from 'node-datachannel/polyfill';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, createMessenger, type PeerConnectionConstructor } from 'webrtc-connect';
import { acceptLink, createLink } from 'webrtc-connect/link';
import { type AppServer, startAppServer } from '../harness/app-server.ts';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { bundleForPage } from '../harness/page-bundle.ts';

// The polyfill declares a few members differently from lib.dom; at runtime it is the W3C API.
const RTCPeerConnection = NdcPeerConnection as unknown as PeerConnectionConstructor;

/** What the bundle puts on the page's globalThis. */
interface PageGlobals {
  webrtcConnect: {
    createLink: typeof createLink;
    acceptLink: typeof acceptLink;
    /** Echoes texts as "echo: …" and answers each file with "sha256:<hex>" of its bytes. */
    serveEcho(connection: Connection): void;
  };
  /** The page's short authentication string, once connected. */
  pageSas: Promise<string>;
}

const PAGE_SOURCE = `
import { createMessenger } from 'webrtc-connect';
import { acceptLink, createLink } from 'webrtc-connect/link';

function serveEcho(connection) {
  const messenger = createMessenger(connection.channel);
  messenger.on('text', (text) => messenger.sendText('echo: ' + text));
  messenger.on('file-received', async (file) => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.blob.arrayBuffer()));
    messenger.sendText('sha256:' + Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''));
  });
}
globalThis.webrtcConnect = { createLink, acceptLink, serveEcho };
`;

let server: AppServer;
let webRoot: string;
let chromium: ChromiumHandle;
let bundle: string;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  assertPrivateNetns();
  // The page must share the mailbox's origin (the server sends no CORS headers): it serves an
  // empty page for the library bundle to run in.
  webRoot = await mkdtemp(join(tmpdir(), 'webrtc-connect-blank-'));
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>library test</title>');
  [server, chromium, bundle] = await Promise.all([
    startAppServer(webRoot),
    launchChromium(),
    bundleForPage(PAGE_SOURCE),
  ]);
  // A file of the page's origin: the server's CSP allows no inline script.
  await writeFile(join(webRoot, 'library.js'), bundle);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  chromium.assertNoCspViolations();
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (webRoot) await rm(webRoot, { recursive: true, force: true });
});

async function libraryPage(): Promise<Page> {
  const page = await chromium.newPage();
  cleanups.push(() => page.close());
  await page.goto(`${server.url}/`);
  await page.addScriptTag({ url: '/library.js' });
  return page;
}

/** The Node side talks to the page's echo: a text, then a 3 MiB file checked by its hash. */
async function talk(connection: Connection): Promise<void> {
  const messenger = createMessenger(connection.channel);
  const textStarting = (prefix: string) =>
    new Promise<string>((resolve) =>
      messenger.on('text', (text) => text.startsWith(prefix) && resolve(text)),
    );

  const echoed = textStarting('echo: ');
  messenger.sendText('hello from node');
  expect(await echoed).toBe('echo: hello from node');

  const content = randomBytes(3 * 1024 * 1024 + 7);
  const hash = textStarting('sha256:');
  await messenger.sendFile(new Blob([content]), { name: 'from-node.bin' }).done;
  expect(await hash).toBe(`sha256:${createHash('sha256').update(content).digest('hex')}`);
}

describe('a Chromium page and a node-datachannel peer, through the real mailbox', () => {
  it('the page creates the link, Node accepts it; the reply reaches the page by itself', async () => {
    const page = await libraryPage();
    const link = await page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      const invitation = await g.webrtcConnect.createLink({
        RTCPeerConnection,
        mailbox: location.origin,
      });
      g.pageSas = invitation.connected.then((connection) => {
        g.webrtcConnect.serveEcho(connection);
        return connection.shortAuthenticationString;
      });
      return invitation.link;
    });
    expect(link.startsWith(`${server.url}/#`)).toBe(true);

    const acceptance = await acceptLink(link, { RTCPeerConnection });
    cleanups.push(() => acceptance.close());
    const connection = await acceptance.connected;
    const pageSas = await page.evaluate(() => (globalThis as unknown as PageGlobals).pageSas);
    expect(connection.shortAuthenticationString).toMatch(/^\d{3} \d{3}$/);
    expect(pageSas).toBe(connection.shortAuthenticationString);
    await talk(connection);
  });

  it('Node creates the link, the page accepts it', async () => {
    const invitation = await createLink({ RTCPeerConnection, mailbox: server.url });
    cleanups.push(() => invitation.close());
    const page = await libraryPage();
    const replyCode = await page.evaluate(async (link) => {
      const g = globalThis as unknown as PageGlobals;
      const acceptance = await g.webrtcConnect.acceptLink(link, { RTCPeerConnection });
      g.pageSas = acceptance.connected.then((connection) => {
        g.webrtcConnect.serveEcho(connection);
        return connection.shortAuthenticationString;
      });
      return acceptance.replyCode;
    }, invitation.link);
    expect(replyCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{5,6}$/);

    const connection = await invitation.connected;
    const pageSas = await page.evaluate(() => (globalThis as unknown as PageGlobals).pageSas);
    expect(pageSas).toBe(connection.shortAuthenticationString);
    await talk(connection);
  });
});

describe('a page on another origin than the mailbox (CORS)', () => {
  /** A page on Chromium's blank origin, with the library, and that origin. */
  async function foreignPage(): Promise<{ page: Page; origin: string }> {
    const page = await chromium.newPage();
    cleanups.push(() => page.close());
    await page.addScriptTag({ content: bundle });
    return { page, origin: await page.evaluate(() => location.origin) };
  }

  function createLinkOn(page: Page, mailbox: string): Promise<string> {
    return page.evaluate(async (mailbox) => {
      const g = globalThis as unknown as PageGlobals;
      try {
        const invitation = await g.webrtcConnect.createLink({ RTCPeerConnection, mailbox });
        g.pageSas = invitation.connected.then((connection) => {
          g.webrtcConnect.serveEcho(connection);
          return connection.shortAuthenticationString;
        });
        return invitation.link;
      } catch (error) {
        return `error: ${(error as { code?: string }).code}`;
      }
    }, mailbox);
  }

  it("connects through a mailbox that lists the page's origin", async () => {
    const { page, origin } = await foreignPage();
    const mailbox = await startAppServer(webRoot, { corsOrigins: [origin] });
    cleanups.push(() => mailbox.close());
    expect(new URL(mailbox.url).origin).not.toBe(origin);

    const link = await createLinkOn(page, mailbox.url);
    const acceptance = await acceptLink(link, { RTCPeerConnection, mailbox: mailbox.url });
    cleanups.push(() => acceptance.close());
    const connection = await acceptance.connected;
    const pageSas = await page.evaluate(() => (globalThis as unknown as PageGlobals).pageSas);
    expect(pageSas).toBe(connection.shortAuthenticationString);
    await talk(connection);
  });

  it('fails with ERR_MAILBOX against a mailbox that does not list it', async () => {
    const { page } = await foreignPage();
    expect(await createLinkOn(page, server.url)).toBe('error: ERR_MAILBOX');
  });
});
