import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  // Workspace packages resolve to their TypeScript sources, so the app needs no prior build.
  resolve: { conditions: ['@webrtc-connect/source', ...defaultClientConditions] },
  build: { outDir: 'dist', target: 'es2022' },
});
