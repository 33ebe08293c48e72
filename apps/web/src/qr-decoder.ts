import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
// The decoder's WebAssembly, emitted into the build and served from this origin: ZXing's
// default would fetch it from a CDN, which the app's CSP (and a device offline) refuses.
import zxingWasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

/** Reads the QR code in the video's current frame, if one is there. */
export type QrDetect = (video: HTMLVideoElement) => Promise<string | null>;

export interface QrDetector {
  detect: QrDetect;
  /** Which reader it is: the browser's own, or ZXing's WebAssembly. */
  kind: 'native' | 'zxing';
}

/** Frames are scaled down to this many pixels on their long side before ZXing reads them. */
const ZXING_MAX_SIDE = 800;

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorInstance {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorInstance;
  getSupportedFormats(): Promise<string[]>;
}

/**
 * The browser's own BarcodeDetector where it reads QR codes (Chromium on Android, macOS and
 * ChromeOS, Safari), else ZXing compiled to WebAssembly, loaded on first use.
 */
export async function qrDetector(): Promise<QrDetector> {
  const native = await nativeDetector();
  if (native) return { detect: native, kind: 'native' };
  return { detect: await zxingDetector(), kind: 'zxing' };
}

async function nativeDetector(): Promise<QrDetect | null> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return null;
  try {
    // Chromium on Linux and Windows has the class but no QR reader behind it.
    if (!(await Detector.getSupportedFormats()).includes('qr_code')) return null;
  } catch {
    return null;
  }
  const detector = new Detector({ formats: ['qr_code'] });
  return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
}

async function zxingDetector(): Promise<QrDetect> {
  // Emscripten aborts (a fetch refused, a compile the CSP forbids) without settling the promise
  // prepareZXingModule returns: its onAbort hook is what says so.
  await new Promise((resolve, reject) => {
    prepareZXingModule({
      overrides: {
        locateFile: (path: string, prefix: string) =>
          path.endsWith('.wasm') ? zxingWasmUrl : prefix + path,
        onAbort: (what: unknown) => reject(new Error(`ZXing could not start: ${String(what)}`)),
      },
      fireImmediately: true,
    }).then(resolve, reject);
  });
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('no 2D canvas to read camera frames from');
  return async (video) => {
    const scale = Math.min(1, ZXING_MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (width === 0 || height === 0) return null;
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    const results = await readBarcodes(context.getImageData(0, 0, width, height), {
      formats: ['QRCode'],
      tryHarder: true,
      maxNumberOfSymbols: 1,
    });
    return results.find((result) => result.isValid)?.text ?? null;
  };
}
