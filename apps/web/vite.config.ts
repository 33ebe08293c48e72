import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

// `npm run dev` serves the app with hot reload; the mailbox API comes from a server running
// beside it (`npm start`, or `webrtc-connect serve`), at this address.
const apiTarget = process.env.WEBRTC_CONNECT_API ?? 'http://127.0.0.1:8080';

const SERVICE_WORKER = 'sw.js';

/**
 * Builds src/service-worker.ts to /sw.js and hands it the list of every file of the build (and
 * a version made from their hashed names), so it can keep the whole app for offline use. The
 * files of public/ (manifest, icons) are copied beside the bundle, not part of it: listed too.
 */
function serviceWorker(): Plugin {
  let publicFiles: string[] = [];
  return {
    name: 'webrtc-connect:service-worker',
    apply: 'build',
    configResolved(config) {
      publicFiles = config.publicDir ? readdirSync(config.publicDir) : [];
    },
    buildStart() {
      this.emitFile({
        type: 'chunk',
        id: join(import.meta.dirname, 'src/service-worker.ts'),
        fileName: SERVICE_WORKER,
      });
    },
    generateBundle(_options, bundle) {
      const worker = bundle[SERVICE_WORKER];
      if (worker?.type !== 'chunk') throw new Error('the service worker was not built');
      const files = [...Object.keys(bundle), ...publicFiles]
        .filter((name) => name !== SERVICE_WORKER && name !== 'index.html')
        .sort()
        .map((name) => `/${name}`);
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
      worker.code = `const PRECACHE = ${JSON.stringify({ version, files })};\n${worker.code}`;
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  // Workspace packages resolve to their TypeScript sources, so the app needs no prior build.
  resolve: { conditions: ['@webrtc-connect/source', ...defaultClientConditions] },
  build: { outDir: 'dist', target: 'es2022' },
  plugins: [serviceWorker()],
  server: { proxy: { '/api': { target: apiTarget, changeOrigin: false } } },
});
