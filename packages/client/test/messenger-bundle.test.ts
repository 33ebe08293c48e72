// A messenger without FileResume does not carry the resumable machinery (parking, resume
// offsets, the store, incremental SHA-256): an app that sends plain files does not pay for it.
// Both entries are bundled and minified as an app's build would.
import { describe, expect, it } from 'vitest';
import { bundleEntry } from '../../../test/harness/entry-bundle.ts';

const PLAIN = "export { createMessenger } from 'webrtc-connect';\n";
const RESUMABLE = "export { createMessenger, FileResume } from 'webrtc-connect';\n";

// Strings only the resumable modules hold (resumable-sender.ts, file-resume.ts), and the first
// round constant of SHA-256 (0x428a2f98) as it stands in @noble/hashes' minified code.
const RESUMABLE_MARKERS = ['the session has ended', 'resend takes a Blob or a File', '1116352408'];

describe('the messenger without FileResume', () => {
  it('bundles none of the resumable machinery, which FileResume brings', async () => {
    const plain = await bundleEntry(PLAIN);
    const resumable = await bundleEntry(RESUMABLE);
    expect(plain.text).toContain('sendFile takes a Blob or a File');
    for (const marker of RESUMABLE_MARKERS) {
      expect(plain.text).not.toContain(marker);
      expect(resumable.text).toContain(marker);
    }
  }, 60_000);
});
