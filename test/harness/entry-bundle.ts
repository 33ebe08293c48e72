import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, defaultClientConditions, type Rollup } from 'vite';

const root = join(import.meta.dirname, '../..');

export interface EntryBundle {
  /** Every chunk and asset the build emits (the decoder's worker included), as one text. */
  text: string;
  /** Bytes of the entry chunk, minified, and gzipped. */
  entryBytes: number;
  entryGzipBytes: number;
  /** Bytes of everything emitted, minified, and gzipped. */
  totalBytes: number;
  totalGzipBytes: number;
}

/** A minified ES build of `source` as an app's build would make it (workspace sources). */
export async function bundleEntry(source: string): Promise<EntryBundle> {
  // Inside the repository, so bare imports resolve against its node_modules.
  const dir = await mkdtemp(join(root, 'node_modules/.entry-bundle-'));
  try {
    const entry = join(dir, 'entry.ts');
    await writeFile(entry, source);
    const outputs = (await build({
      configFile: false,
      logLevel: 'silent',
      resolve: { conditions: ['@webrtc-connect/source', ...defaultClientConditions] },
      build: { write: false, minify: true, lib: { entry, formats: ['es'], fileName: 'entry' } },
    })) as Rollup.RollupOutput[];
    const items = outputs.flatMap((output) => output.output);
    const texts = items.map((item) => (item.type === 'chunk' ? item.code : String(item.source)));
    const entryChunk = items.find((item) => item.type === 'chunk' && item.isEntry);
    const entryCode = entryChunk?.type === 'chunk' ? entryChunk.code : '';
    const text = texts.join('\n');
    return {
      text,
      entryBytes: Buffer.byteLength(entryCode),
      entryGzipBytes: gzipSync(entryCode).length,
      totalBytes: Buffer.byteLength(text),
      totalGzipBytes: gzipSync(text).length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What a page connecting by link only imports, and one that also connects by sound. */
export const LINK_ONLY_ENTRY =
  "import { acceptLink, createLink } from 'webrtc-connect/link';\nexport { acceptLink, createLink };\n";
export const WITH_SOUND_ENTRY =
  "import { acceptLink, createLink } from 'webrtc-connect/link';\nimport { answerBySound, listenForAnswer, offerBySound, playAnswer, webAudioSound } from 'webrtc-connect/sound';\nexport { acceptLink, createLink, answerBySound, listenForAnswer, offerBySound, playAnswer, webAudioSound };\n";
