import { h } from './dom.ts';
import type { QrDetect } from './qr-decoder.ts';

/** Between two looks at the camera: quick enough to feel instant, light on a phone's battery. */
const SCAN_INTERVAL_MS = 150;
/**
 * Loading the reader (36 KB of script and 950 KB of WebAssembly, usually from the service
 * worker's copy) takes well under a second; a failure is seen at once (qr-decoder.ts), and this
 * bounds whatever else could leave the button waiting.
 */
const READER_LOAD_MS = 20_000;

export interface ScanOptions {
  /** The button's label, e.g. "Scan a link". */
  label: string;
  /** What to do instead when the camera cannot be used, e.g. "Open the link by hand instead." */
  otherwise: string;
  /**
   * Takes what a QR code held. Returns null when it was used (the camera then stops), or a
   * sentence saying why this code is not the one wanted (scanning goes on).
   */
  onCode(text: string): string | null;
}

/**
 * A "Scan" button that opens the camera in the page and reads QR codes until one is taken.
 * The camera is stopped as soon as a code is taken, on "Stop", when the button leaves the page
 * (a screen change) and when the page is hidden for good: a camera light left on is a fright.
 * `data-camera` says whether its tracks run ("on"/"off"), and `data-decoder` which reader
 * reads the frames ("native"/"zxing"), for tests.
 */
export function scanPanel(options: ScanOptions): HTMLElement {
  const start = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'scan-button' },
    options.label,
  );
  const video = h('video', {
    muted: '',
    playsinline: '',
    'aria-label': 'Camera view',
    'data-testid': 'scan-video',
  });
  const stopButton = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'scan-stop' },
    'Stop the camera',
  );
  // Muted (it has no sound anyway) so that play() is allowed once the camera prompt took the
  // click's user activation.
  video.muted = true;
  const preview = h('div', { class: 'scan-preview', hidden: '' }, video, stopButton);
  const message = h('p', { class: 'error', role: 'alert', 'data-testid': 'scan-message' });
  const root = h('div', { class: 'scan', 'data-camera': 'off' }, start, preview, message);

  let stream: MediaStream | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastRefused: string | null = null;

  const stop = () => {
    clearTimeout(timer);
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    video.srcObject = null;
    preview.hidden = true;
    start.disabled = false;
    root.dataset.camera = 'off';
  };
  const say = (text: string, code?: string) => {
    message.textContent = text;
    if (code) message.dataset.errorCode = code;
    else message.removeAttribute('data-error-code');
  };

  const look = async (detect: QrDetect) => {
    if (!stream) return;
    if (!root.isConnected) {
      stop();
      return;
    }
    let text: string | null = null;
    if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
      // A frame that fails to decode is just a frame without a code: look at the next.
      text = await detect(video).catch(() => null);
    }
    if (!stream) return;
    if (text !== null && text !== lastRefused) {
      const refusal = options.onCode(text);
      if (refusal === null) {
        say('');
        stop();
        return;
      }
      lastRefused = text;
      say(refusal, 'ERR_WRONG_QR_CODE');
    }
    timer = setTimeout(() => void look(detect), SCAN_INTERVAL_MS);
  };

  start.addEventListener('click', async () => {
    start.disabled = true;
    lastRefused = null;
    say('');
    let detect: QrDetect;
    try {
      if (!navigator.mediaDevices?.getUserMedia) {
        throw new DOMException('no mediaDevices (not a secure context)', 'NotSupportedError');
      }
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: 'environment' } },
        audio: false,
      });
      root.dataset.camera = 'on';
      // The page may have moved on while the person answered the permission prompt.
      if (!root.isConnected) {
        stop();
        return;
      }
      video.srcObject = stream;
      preview.hidden = false;
      await video.play();
      // Loaded on first use: ZXing's glue code stays out of the page's first load (the service
      // worker still keeps it, and its WebAssembly, for offline use).
      const detector = await withinTime(
        import('./qr-decoder.ts').then(({ qrDetector }) => qrDetector()),
        READER_LOAD_MS,
      ).catch((cause: unknown) => {
        throw new ScannerError(cause);
      });
      detect = detector.detect;
      root.dataset.decoder = detector.kind;
    } catch (error) {
      stop();
      const failure = cameraFailure(error);
      say(`${failure.text} ${options.otherwise}`, failure.code);
      return;
    }
    stopButton.focus();
    void look(detect);
  });
  stopButton.addEventListener('click', () => {
    stop();
    start.focus();
  });
  window.addEventListener('pagehide', stop);
  return root;
}

function withinTime<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class ScannerError extends Error {
  constructor(cause: unknown) {
    super('the QR decoder could not be loaded', { cause });
  }
}

/** Why the camera gave nothing, in a person's words, with a stable code for tests and support. */
function cameraFailure(error: unknown): { code: string; text: string } {
  if (error instanceof ScannerError) {
    return {
      code: 'ERR_QR_READER',
      text: 'The QR reader could not be loaded on this page. Reload it and try again.',
    };
  }
  const name = error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return {
        code: 'ERR_CAMERA_REFUSED',
        text: "The camera was refused, so nothing can be scanned. To scan, allow the camera for this site in the browser's settings.",
      };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return { code: 'ERR_NO_CAMERA', text: 'This device has no camera the browser can use.' };
    case 'NotSupportedError':
      return {
        code: 'ERR_NO_CAMERA',
        text: 'The browser gives the camera only to secure (https) pages, and this one is not.',
      };
    default:
      return {
        code: 'ERR_CAMERA_BUSY',
        text: 'The camera could not be started: another app may be using it.',
      };
  }
}
