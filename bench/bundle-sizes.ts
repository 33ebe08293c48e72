/**
 * Browser bundle sizes of each entry point, measured from the packed packages (`npm pack`, as
 * npm publishes them, unpacked into a fresh node_modules), minified by esbuild, then gzipped and
 * brotli-compressed; side by side with peerjs, simple-peer and trystero bundled the same way.
 * Offline: packing needs no registry, the references come from the workspace's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const PACKAGES = [
  ['@webrtc-connect/protocol', 'webrtc-connect-protocol'],
  ['@webrtc-connect/signal', 'webrtc-connect-signal'],
  ['@webrtc-connect/modem', 'webrtc-connect-modem'],
  ['webrtc-connect', 'webrtc-connect'],
] as const;

/**
 * What an app that uses each entry imports (every export that does the entry's job); `label`
 * names the row in the README's table (scripts/readme-tables.ts writes it from these rows).
 */
const ENTRIES: Array<{ entry: string; label: string; source: string; ours: boolean }> = [
  {
    entry: 'webrtc-connect/link',
    label: '`webrtc-connect/link` (`createLink`, `acceptLink`)',
    source: "export { acceptLink, createLink } from 'webrtc-connect/link';",
    ours: true,
  },
  {
    entry: 'webrtc-connect/sound',
    label: '`webrtc-connect/sound` (its five calls)',
    source:
      "export { answerBySound, listenForAnswer, offerBySound, playAnswer, webAudioSound } from 'webrtc-connect/sound';",
    ours: true,
  },
  {
    entry: 'webrtc-connect/sound decoder worker',
    label: 'its decoder worker (a chunk of its own)',
    source: "import 'webrtc-connect/sound/decoder-worker';",
    ours: true,
  },
  {
    entry: 'webrtc-connect/account',
    label: '`webrtc-connect/account` (`joinAccount`)',
    source: "export { joinAccount } from 'webrtc-connect/account';",
    ours: true,
  },
  {
    entry: 'webrtc-connect (chat and files)',
    label: '`webrtc-connect` (`createMessenger`, `getIceServers`)',
    source: "export { createMessenger, getIceServers } from 'webrtc-connect';",
    ours: true,
  },
  {
    entry: 'webrtc-connect (resumable chat and files)',
    label: 'the same with `FileResume` (resumable transfers)',
    source: "export { createMessenger, FileResume, getIceServers } from 'webrtc-connect';",
    ours: true,
  },
  {
    entry: '@webrtc-connect/signal',
    label: '`@webrtc-connect/signal` (codec and sealing)',
    source:
      "export { decodeSignal, encodeSignal, fromLinkText, toLinkText, sealSignal, openSignal } from '@webrtc-connect/signal';",
    ours: true,
  },
  {
    entry: '@webrtc-connect/modem',
    label: '`@webrtc-connect/modem` (`modulate`, `createDemodulators`)',
    source: "export { createDemodulators, modulate } from '@webrtc-connect/modem';",
    ours: true,
  },
  {
    entry: 'everything (link, sound, account, messenger, worker)',
    label: 'everything: link, sound, account, messenger, worker',
    source: [
      "export { acceptLink, createLink } from 'webrtc-connect/link';",
      "export { answerBySound, listenForAnswer, offerBySound, playAnswer, webAudioSound } from 'webrtc-connect/sound';",
      "export { joinAccount } from 'webrtc-connect/account';",
      "export { createMessenger, getIceServers } from 'webrtc-connect';",
      "import 'webrtc-connect/sound/decoder-worker';",
    ].join('\n'),
    ours: true,
  },
  {
    entry: 'peerjs (Peer)',
    label: `peerjs ${version('peerjs')} (\`Peer\`)`,
    source: "export { Peer } from 'peerjs';",
    ours: false,
  },
  {
    entry: 'simple-peer',
    label: `simple-peer ${version('simple-peer')}`,
    source: "export { default } from 'simple-peer';",
    ours: false,
  },
  {
    entry: 'trystero (joinRoom, Nostr)',
    label: `trystero ${version('trystero')} (\`joinRoom\`, Nostr)`,
    source: "export { joinRoom } from 'trystero';",
    ours: false,
  },
];

function version(name: string): string {
  const manifest = readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

export interface BundleRow {
  entry: string;
  label: string;
  minifiedKB: number;
  gzipKB: number;
  brotliKB: number;
}

/** Every entry's bundle, measured from the packed packages (about 20 s: it packs them). */
export async function measureBundleSizes(): Promise<BundleRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'webrtc-connect-bundles-'));
  try {
    const modules = join(dir, 'node_modules');
    const packs = join(dir, 'packs');
    await mkdir(packs, { recursive: true });
    execFileSync(
      'npm',
      [
        'pack',
        ...PACKAGES.flatMap(([name]) => ['--workspace', name]),
        '--pack-destination',
        packs,
        '--silent',
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const tarballs = await readdir(packs);
    for (const [name, file] of PACKAGES) {
      const tarball = tarballs.find((candidate) => new RegExp(`^${file}-\\d`).test(candidate));
      if (!tarball) throw new Error(`npm pack made no tarball for ${name}`);
      const into = join(modules, name);
      await mkdir(into, { recursive: true });
      execFileSync('tar', ['xzf', join(packs, tarball), '-C', into, '--strip-components=1']);
    }
    const rows: BundleRow[] = [];
    for (const { entry, label, source, ours } of ENTRIES) {
      const result = await build({
        stdin: { contents: source, resolveDir: ours ? dir : root, loader: 'js' },
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        // Ours from the unpacked tarballs; their dependencies (fflate) and the references from
        // the workspace's node_modules. `global` as browser bundlers define it for simple-peer.
        nodePaths: [modules, join(root, 'node_modules')],
        define: { global: 'globalThis' },
        logLevel: 'silent',
      });
      const code = Buffer.concat(result.outputFiles.map((file) => file.contents));
      rows.push({
        entry,
        label,
        minifiedKB: kb(code.length),
        gzipKB: kb(gzipSync(code, { level: 9 }).length),
        brotliKB: kb(
          brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
        ),
      });
    }
    return rows;
  } finally {
    execFileSync('bash', ['scripts/build-packages.sh', '--clean'], { cwd: root });
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchBundleSizes() {
  const rows = await measureBundleSizes();
  console.log('\nBrowser bundles from the packed packages (esbuild, minified; KB = 1,000 bytes)');
  console.table(rows.map(({ label: _label, ...row }) => row));
  const brotli = (entry: string) => rows.find((row) => row.entry === entry)?.brotliKB ?? Number.NaN;
  const smallestReference = Math.min(
    brotli('peerjs (Peer)'),
    brotli('simple-peer'),
    brotli('trystero (joinRoom, Nostr)'),
  );
  return {
    rows,
    targets: [
      {
        name: 'link-only bundle / smallest of peerjs, simple-peer, trystero (brotli)',
        value: Math.round((brotli('webrtc-connect/link') / smallestReference) * 100) / 100,
        limit: 1,
        unit: '×',
      },
    ],
  };
}

/** The README's bundle table (scripts/readme-tables.ts keeps it in step with the code). */
export function bundleTable(rows: BundleRow[]): string {
  return [
    '| bundle | minified | gzip | brotli |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.label} | ${row.minifiedKB.toFixed(1)} KB | ${row.gzipKB.toFixed(1)} KB | ${row.brotliKB.toFixed(1)} KB |`,
    ),
  ].join('\n');
}

function kb(bytes: number): number {
  return Math.round(bytes / 100) / 10;
}
