import { writeFile } from 'node:fs/promises';
import { create } from 'qrcode';
import type { BrowserPage } from './browser-page.ts';

/**
 * Video files for Chromium's fake camera (--use-file-for-fake-video-capture): YUV4MPEG2, 4:2:0,
 * full-range luma, played in a loop. Enough to show a QR code as a phone's camera would see it
 * held still in front of a screen.
 */

export const FAKE_CAMERA = { width: 640, height: 480 } as const;

/** A QR code's modules, row by row (true: dark), without the quiet zone. */
export type QrModules = boolean[][];

/** The quiet zone the QR standard asks for around the symbol, in modules. */
const QUIET_ZONE = 4;

/** One frame: the symbol, black on white, centred and as large as fits, or all white. */
function frameOf(modules: QrModules | null): Uint8Array {
  const { width, height } = FAKE_CAMERA;
  const luma = new Uint8Array(width * height).fill(255);
  if (modules) {
    const count = modules.length;
    const scale = Math.floor(Math.min(width, height) / (count + 2 * QUIET_ZONE));
    if (scale < 2)
      throw new Error(`a ${count}-module QR code does not fit a ${width}×${height} frame`);
    const left = Math.floor((width - count * scale) / 2);
    const top = Math.floor((height - count * scale) / 2);
    for (const [row, cells] of modules.entries()) {
      for (const [column, dark] of cells.entries()) {
        if (!dark) continue;
        for (let y = 0; y < scale; y += 1) {
          const start = (top + row * scale + y) * width + left + column * scale;
          luma.fill(0, start, start + scale);
        }
      }
    }
  }
  // Grey chroma: no colour at all.
  const chroma = new Uint8Array((width / 2) * (height / 2) * 2).fill(128);
  const frame = new Uint8Array(luma.length + chroma.length);
  frame.set(luma);
  frame.set(chroma, luma.length);
  return frame;
}

/** Writes a Y4M file showing `modules` (or a blank white picture, for null). */
export async function writeQrVideo(path: string, modules: QrModules | null): Promise<void> {
  const { width, height } = FAKE_CAMERA;
  const header = `YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`;
  const frame = frameOf(modules);
  // A few identical frames: the file loops, and some readers want more than one frame.
  const frames = 3;
  const chunks: Uint8Array[] = [new TextEncoder().encode(header)];
  for (let index = 0; index < frames; index += 1) {
    chunks.push(new TextEncoder().encode('FRAME\n'), frame);
  }
  await writeFile(path, chunks);
}

/**
 * The modules of the QR code a page shows (apps/web's qr-code.ts: one SVG path of unit squares
 * `M<column> <row>h1v1h-1z`), read from the page as a camera would see the screen.
 */
export async function qrModulesOn(page: BrowserPage, selector: string): Promise<QrModules> {
  await page.waitFor(`${selector} svg path`);
  const { size, path } = await page.evaluate((s) => {
    const svg = document.querySelector(`${s} svg`);
    return {
      size: Number(svg?.getAttribute('data-modules')),
      path: svg?.querySelector('path')?.getAttribute('d') ?? '',
    };
  }, selector);
  const modules: QrModules = Array.from({ length: size }, () =>
    new Array<boolean>(size).fill(false),
  );
  for (const [, column, row] of path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    const cells = modules[Number(row)];
    if (!cells) throw new Error(`the QR code's path has a module outside its ${size} rows`);
    cells[Number(column)] = true;
  }
  return modules;
}

/** The modules of `text` as a QR code, made by the same library and settings as the app. */
export function qrModulesOf(text: string): QrModules {
  const { modules } = create(text, { errorCorrectionLevel: 'L' });
  return Array.from({ length: modules.size }, (_, row) =>
    Array.from({ length: modules.size }, (_, column) => Boolean(modules.get(row, column))),
  );
}
