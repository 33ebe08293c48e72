import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, defaultClientConditions, type Rollup } from 'vite';
import type { BrowserPage } from './browser-page.ts';

const root = join(import.meta.dirname, '../..');

/**
 * Bundles TypeScript source for a page (workspace packages from their sources), as one script
 * to hand to `page.addScriptTag({ content })`. The source should put what the test needs on
 * `globalThis`.
 */
export async function bundleForPage(source: string): Promise<string> {
  // Inside the repository, so bare imports resolve against its node_modules.
  const dir = await mkdtemp(join(root, 'node_modules/.page-bundle-'));
  try {
    const entry = join(dir, 'entry.ts');
    await writeFile(entry, source);
    const output = (await build({
      configFile: false,
      logLevel: 'warn',
      resolve: { conditions: ['@webrtc-connect/source', ...defaultClientConditions] },
      build: { write: false, lib: { entry, formats: ['iife'], name: 'pageBundle' }, minify: false },
    })) as Rollup.RollupOutput[];
    const chunk = output[0]?.output[0];
    if (chunk?.type !== 'chunk') throw new Error('the page bundle did not build');
    return chunk.code;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a bundle (`bundleForPage`) in `page` as an inline script. For a page with no
 * Content-Security-Policy (the blank server's): an inline script runs as it is added.
 */
export async function runBundle(page: BrowserPage, bundle: string): Promise<void> {
  await page.evaluate((code) => {
    const script = document.createElement('script');
    script.textContent = code;
    document.head.append(script);
  }, bundle);
}
