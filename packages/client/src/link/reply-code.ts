import { normaliseReplyCode } from '@webrtc-connect/protocol';
import { ConnectError } from '../errors.ts';

/**
 * Reply codes are 5 or 6 characters of Crockford base32, read as the mailbox reads them (any
 * case, I and L as 1, O as 0, spaces and hyphens ignored): checked here so a typo fails at once.
 */
export function normalizeReplyCode(typed: string): string {
  const code = normaliseReplyCode(typed);
  if (code === undefined) {
    throw new ConnectError(
      'ERR_BAD_REPLY_CODE',
      `"${typed}" is not a reply code: 5 or 6 letters and digits`,
    );
  }
  return code;
}

/** True for what looks typed as a code rather than pasted as a whole answer. */
export function looksLikeReplyCode(text: string): boolean {
  return text.replace(/[\s-]/g, '').length <= 8;
}
