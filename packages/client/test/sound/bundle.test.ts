// One entry point must not drag in another's code: a page that connects by link only carries
// no modem. Both entries are bundled and minified as an app's build would.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, defaultClientConditions, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../../..');

/** Every chunk and asset a minified ES build of `source` emits, as one text. */
async function bundle(source: string): Promise<string> {
  const dir = await mkdtemp(join(root, 'node_modules/.bundle-check-'));
  try {
    const entry = join(dir, 'entry.ts');
    await writeFile(entry, source);
    const outputs = (await build({
      configFile: false,
      logLevel: 'silent',
      resolve: { conditions: ['@webrtc-connect/source', ...defaultClientConditions] },
      build: {
        write: false,
        minify: true,
        lib: { entry, formats: ['es'], fileName: 'entry' },
      },
    })) as Rollup.RollupOutput[];
    return outputs
      .flatMap((output) => output.output)
      .map((item) => (item.type === 'chunk' ? item.code : String(item.source)))
      .join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Strings only the modem holds (its profile check and its sample-rate check).
const MODEM_MARKERS = ['unknown modem profile', 'ERR_UNSUPPORTED_SAMPLE_RATE'];

describe('entry points stay apart', () => {
  it('a link-only bundle holds no modem code; a sound bundle does', async () => {
    const linkOnly = await bundle(
      "import { acceptLink, createLink } from 'webrtc-connect/link';\nexport { acceptLink, createLink };\n",
    );
    const withSound = await bundle(
      "import { createLink } from 'webrtc-connect/link';\nimport { listenForAnswer, webAudioSound } from 'webrtc-connect/sound';\nexport { createLink, listenForAnswer, webAudioSound };\n",
    );
    expect(linkOnly).toContain('createDataChannel');
    for (const marker of MODEM_MARKERS) {
      expect(linkOnly).not.toContain(marker);
      expect(withSound).toContain(marker);
    }
  }, 60_000);
});
