// One entry point must not drag in another's code: a page that connects by link only carries
// no modem. Both entries are bundled and minified as an app's build would.
import { describe, expect, it } from 'vitest';
import {
  bundleEntry,
  LINK_ONLY_ENTRY,
  WITH_SOUND_ENTRY,
} from '../../../../test/harness/entry-bundle.ts';

// Strings only the modem holds (its profile check and its sample-rate check).
const MODEM_MARKERS = ['unknown modem profile', 'ERR_UNSUPPORTED_SAMPLE_RATE'];

describe('entry points stay apart', () => {
  it('a link-only bundle holds no modem code; a sound bundle does', async () => {
    const linkOnly = await bundleEntry(LINK_ONLY_ENTRY);
    const withSound = await bundleEntry(WITH_SOUND_ENTRY);
    expect(linkOnly.text).toContain('createDataChannel');
    for (const marker of MODEM_MARKERS) {
      expect(linkOnly.text).not.toContain(marker);
      expect(withSound.text).toContain(marker);
    }
  }, 60_000);
});
