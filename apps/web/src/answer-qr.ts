/**
 * What B's answer QR code holds: a fixed prefix, then the answer sealed under the link secret
 * (`Acceptance.sealAnswer`), in base64. The prefix tells A's scanner it has an answer and not a
 * link; the seal means only a device holding this link's secret can have made it, so a stray QR
 * code cannot be slipped in (A's `acceptReply` opens it or refuses it). Not a URL: opened
 * anywhere else it would do nothing useful.
 */
const PREFIX = 'WRC-ANSWER:';

export function answerQrText(sealed: Uint8Array): string {
  return PREFIX + btoa(String.fromCharCode(...sealed));
}

/** The sealed answer a scanned QR code holds, or null when it holds something else. */
export function readAnswerQr(text: string): Uint8Array | null {
  if (!text.startsWith(PREFIX)) return null;
  try {
    return Uint8Array.from(atob(text.slice(PREFIX.length)), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}
