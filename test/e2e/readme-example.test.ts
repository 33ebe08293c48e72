import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { bundleForPage } from '../harness/page-bundle.ts';

const root = join(import.meta.dirname, '../..');
let chromium: ChromiumHandle;
let bundle: string;

/** The README's first TypeScript block, bundled for a page, with its names made global. */
async function bundleReadmeExample(): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error('README.md has no ts code block');
  return bundleForPage(`${code}\nObject.assign(globalThis, { pc, myText, take });\n`);
}

beforeAll(async () => {
  assertPrivateNetns();
  bundle = await bundleReadmeExample();
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
});

async function tab(): Promise<Page> {
  const page = await chromium.newPage();
  await page.addScriptTag({ content: bundle });
  return page;
}

it('the README example connects two tabs by the steps its comments give', async () => {
  const [a, b] = [await tab(), await tab()];
  const logged = new Promise<string>((resolve) =>
    b.on('console', (message) => resolve(message.text())),
  );

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

  expect(await logged).toBe('hi');
  await Promise.all([a.close(), b.close()]);
});
