// Makes the web app's icons (apps/web/public) from its two SVG drawings (apps/web/icons), once,
// by screenshots in Debian's headless Chromium: PNGs in the sizes the manifest and browsers ask
// for, and favicon.ico (one PNG inside an ICO header). The PNGs are committed; run this again
// only when a drawing changes:  npx tsx scripts/make-icons.ts
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM_PATH = '/usr/bin/chromium';
const appRoot = join(import.meta.dirname, '../apps/web');
const sources = join(appRoot, 'icons');
const out = join(appRoot, 'public');

/** File name, drawing, size in pixels. Maskable and Apple icons are full-bleed squares. */
const ICONS: ReadonlyArray<[name: string, drawing: string, size: number]> = [
  ['icon-192.png', 'icon.svg', 192],
  ['icon-512.png', 'icon.svg', 512],
  ['icon-maskable-512.png', 'icon-maskable.svg', 512],
  ['apple-touch-icon.png', 'icon-maskable.svg', 180],
  ['favicon-48.png', 'icon.svg', 48],
];

/** An ICO file holding one PNG image (allowed since Windows Vista; every browser reads it). */
function icoOf(png: Uint8Array, size: number): Uint8Array {
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(size % 256, 6); // width (0 means 256)
  header.writeUInt8(size % 256, 7);
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(png.length, 14);
  header.writeUInt32LE(header.length, 18);
  return Buffer.concat([header, png]);
}

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
try {
  const page = await browser.newPage();
  for (const [name, drawing, size] of ICONS) {
    const svg = await readFile(join(sources, drawing), 'utf8');
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<html><body style="margin:0"><img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}" width="${size}" height="${size}" style="display:block"></body></html>`,
    );
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
    const png = await page.screenshot({ omitBackground: true, type: 'png' });
    if (name === 'favicon-48.png') await writeFile(join(out, 'favicon.ico'), icoOf(png, size));
    else await writeFile(join(out, name), png);
  }
  await copyFile(join(sources, 'icon.svg'), join(out, 'favicon.svg'));
} finally {
  await browser.close();
}
