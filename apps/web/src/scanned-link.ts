import { readAnswerQr } from './answer-qr.ts';

/**
 * Opens a link read from a QR code as if it had been followed, when it is a link of this app;
 * else says why not (and the scanner keeps looking). A link to another site is not opened: a
 * QR code stuck over another is an old trick, and the person can still open it by hand.
 */
export function openScannedLink(text: string): string | null {
  if (readAnswerQr(text)) {
    return 'This QR code is an answer: scan it with the device that made the link.';
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'This QR code holds no link. Scan the code shown beside the link on the other device.';
  }
  if (url.origin !== location.origin || url.pathname !== location.pathname) {
    return `This QR code leads to another site (${url.origin}), not to this app: it was not opened.`;
  }
  if (url.hash.length <= 1) {
    return 'This QR code opens this app but holds no link. Scan the code shown beside the link.';
  }
  location.assign(url.href);
  return null;
}
