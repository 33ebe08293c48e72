/**
 * Browser bundle sizes of each entry point, measured from the packed packages (`npm pack`, as
 * npm publishes them, unpacked into a fresh node_modules), minified by esbuild, then gzipped and
 * brotli-compressed; side by side with peerjs, simple-peer and trystero bundled the same way.
 * Offline: packing needs no registry, the references come from the workspace's node_modules.
 */
import { execFileSync } from 'node:child_process';
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

/** What an app that uses each entry imports (every export that does the entry's job). */
const ENTRIES: Array<{ entry: string; source: string; ours: boolean }> = [
  {
    entry: 'webrtc-connect/link',
    source: "export { acceptLink, createLink } from 'webrtc-connect/link';",
    ours: true,
  },
  {
    entry: 'webrtc-connect/sound',
    source:
      "export { answerBySound, listenForAnswer, offerBySound, playAnswer, webAudioSound } from 'webrtc-connect/sound';",
    ours: true,
  },
  {
    entry: 'webrtc-connect/sound decoder worker',
    source: "import 'webrtc-connect/sound/decoder-worker';",
    ours: true,
  },
  {
    entry: 'webrtc-connect/account',
    source: "export { joinAccount } from 'webrtc-connect/account';",
    ours: true,
  },
  {
    entry: 'webrtc-connect (chat and files)',
    source: "export { createMessenger, getIceServers } from 'webrtc-connect';",
    ours: true,
  },
  {
    entry: '@webrtc-connect/signal',
    source:
      "export { decodeSignal, encodeSignal, fromLinkText, toLinkText, sealSignal, openSignal } from '@webrtc-connect/signal';",
    ours: true,
  },
  {
    entry: '@webrtc-connect/modem',
    source: "export { createDemodulators, modulate } from '@webrtc-connect/modem';",
    ours: true,
  },
  {
    entry: 'everything (link, sound, account, messenger, worker)',
    source: [
      "export { acceptLink, createLink } from 'webrtc-connect/link';",
      "export { answerBySound, listenForAnswer, offerBySound, playAnswer, webAudioSound } from 'webrtc-connect/sound';",
      "export { joinAccount } from 'webrtc-connect/account';",
      "export { createMessenger, getIceServers } from 'webrtc-connect';",
      "import 'webrtc-connect/sound/decoder-worker';",
    ].join('\n'),
    ours: true,
  },
  { entry: 'peerjs (Peer)', source: "export { Peer } from 'peerjs';", ours: false },
  { entry: 'simple-peer', source: "export { default } from 'simple-peer';", ours: false },
  {
    entry: 'trystero (joinRoom, Nostr)',
    source: "export { joinRoom } from 'trystero';",
    ours: false,
  },
];

export interface BundleRow {
  entry: string;
  minifiedKB: number;
  gzipKB: number;
  brotliKB: number;
}

export async function benchBundleSizes() {
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
    for (const { entry, source, ours } of ENTRIES) {
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
        minifiedKB: kb(code.length),
        gzipKB: kb(gzipSync(code, { level: 9 }).length),
        brotliKB: kb(
          brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
        ),
      });
    }
    console.log('\nBrowser bundles from the packed packages (esbuild, minified; KB = 1,000 bytes)');
    console.table(rows);
    const brotli = (entry: string) =>
      rows.find((row) => row.entry === entry)?.brotliKB ?? Number.NaN;
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
  } finally {
    execFileSync('bash', ['scripts/build-packages.sh', '--clean'], { cwd: root });
    await rm(dir, { recursive: true, force: true });
  }
}

function kb(bytes: number): number {
  return Math.round(bytes / 100) / 10;
}
