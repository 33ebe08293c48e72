import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from '@webrtc-connect/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { bundleForPage } from '../harness/page-bundle.ts';

const root = join(import.meta.dirname, '../..');
let chromium: ChromiumHandle;
let mailbox: Awaited<ReturnType<typeof createServer>>;
let mailboxUrl: string;

/** The first TypeScript block under the README heading that starts with `heading`. */
async function readmeExample(heading: string): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n## ${heading}`));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error(`README.md has no ts code block under "## ${heading}"`);
  return code;
}

beforeAll(async () => {
  assertPrivateNetns();
  mailbox = await createServer({ logLevel: 'silent' });
  await mailbox.listen({ host: '127.0.0.1', port: 0 });
  const address = mailbox.server.address();
  if (!address || typeof address === 'string') throw new Error('the mailbox has no port');
  mailboxUrl = `http://127.0.0.1:${address.port}`;
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await mailbox?.close();
});

async function tabWith(bundle: string): Promise<Page> {
  const page = await chromium.newPage();
  await page.addScriptTag({ content: bundle });
  return page;
}

function nextLog(page: Page, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve) => {
    const listen = (message: { text(): string }) => {
      const match = pattern.exec(message.text());
      if (!match) return;
      page.off('console', listen);
      resolve(match);
    };
    page.on('console', listen);
  });
}

it('the codec example connects two tabs by the steps its comments give', async () => {
  const code = await readmeExample('Ten lines');
  const bundle = await bundleForPage(`${code}\nObject.assign(globalThis, { pc, myText, take });\n`);
  const [a, b] = [await tabWith(bundle), await tabWith(bundle)];
  const logged = nextLog(b, /^hi$/);

  // The page functions run in the browser, where the example's names are globals.
  type Example = {
    pc: RTCPeerConnection;
    myText(): Promise<string>;
    take(text: string): Promise<void>;
  };
  const textFromA = await a.evaluate(async () => {
    const { pc, myText } = globalThis as unknown as Example;
    const chat = pc.createDataChannel('chat');
    chat.onopen = () => chat.send('hi');
    return myText();
  });
  expect(textFromA.length).toBeLessThan(120);
  const textFromB = await b.evaluate(async (text) => {
    const { take, myText } = globalThis as unknown as Example;
    await take(text);
    return myText();
  }, textFromA);
  await a.evaluate((text) => (globalThis as unknown as Example).take(text), textFromB);

  expect((await logged)[0]).toBe('hi');
  await Promise.all([a.close(), b.close()]);
});

it('the link example connects two pages through the real mailbox', async () => {
  const code = (await readmeExample('`webrtc-connect/link`')).replace(
    "'http://127.0.0.1:8080'",
    JSON.stringify(mailboxUrl),
  );
  const bundle = await bundleForPage(
    code.replaceAll('export async function', 'async function') +
      '\nObject.assign(globalThis, { sideA, sideB });\n',
  );
  // Both pages live on the mailbox's origin, as the app's pages do (the mailbox sends no CORS).
  const [a, b] = [await chromium.newPage(), await chromium.newPage()];
  for (const page of [a, b]) {
    await page.goto(`${mailboxUrl}/api/health`);
    await page.addScriptTag({ content: bundle });
  }

  type Example = { sideA(): Promise<void>; sideB(link: string): Promise<void> };
  const linkLogged = nextLog(a, /^open on the other side: (\S+)$/);
  const saidHello = nextLog(a, /^B says hello \(check: (\d{3} \d{3})\)$/);
  const codeLogged = nextLog(b, /^reply code, if A asks: ([0-9A-Z]{5,6})$/);
  await a.evaluate(() => {
    void (globalThis as unknown as Example).sideA();
  });
  const link = (await linkLogged)[1] ?? '';
  expect(link.startsWith(`${mailboxUrl}/#`)).toBe(true);
  await b.evaluate((link) => (globalThis as unknown as Example).sideB(link), link);
  await codeLogged;
  expect((await saidHello)[1]).toMatch(/^\d{3} \d{3}$/);
  await Promise.all([a.close(), b.close()]);
});
