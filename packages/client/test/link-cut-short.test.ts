import { randomBytes } from 'node:crypto';
import { toLinkText } from '@webrtc-connect/signal';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import type { PeerConnectionConstructor } from '../src/index.ts';
import { acceptLink } from '../src/link/index.ts';

// The link is read before anything else happens: no peer connection is made, no request sent.
const options = {
  RTCPeerConnection: class {} as unknown as PeerConnectionConstructor,
  mailbox: 'http://127.0.0.1:9',
};

/** A mailbox link's fragment (link-token.ts): version 2 kind 1, a secret, a 12-byte offer id. */
const fragment = toLinkText(Uint8Array.from([0x21, ...randomBytes(16), ...randomBytes(12)]));

describe.each([
  ['version 2', fragment],
  // An older A's link (its data channel announced in band) is read the same way.
  ['version 1', toLinkText(Uint8Array.from([0x11, ...randomBytes(16), ...randomBytes(12)]))],
])('a link cut short (%s)', (_version, fragment) => {
  it('is ERR_LINK_INCOMPLETE wherever it was cut', async () => {
    for (let length = 2; length < fragment.length; length += 1) {
      const code = await codeOf(
        acceptLink(`https://x.example/#${fragment.slice(0, length)}`, options),
      );
      expect(code, `cut to ${length} characters`).toBe('ERR_LINK_INCOMPLETE');
    }
  });

  it('is told apart from text that is no link, and from a link made longer', async () => {
    expect(await codeOf(acceptLink('https://x.example/#not-a-link', options))).toBe('ERR_BAD_LINK');
    expect(await codeOf(acceptLink(`https://x.example/#${fragment}AAAA`, options))).toBe(
      'ERR_BAD_LINK',
    );
    // Whole, it is read: what fails then is reaching the mailbox.
    expect(await codeOf(acceptLink(`https://x.example/#${fragment}`, options))).toBe('ERR_MAILBOX');
  });
});
