import { defaultClientConditions, defineConfig } from 'vite';

// `npm run dev` serves the app with hot reload; the mailbox API comes from a server running
// beside it (`npm start`, or `webrtc-connect serve`), at this address.
const apiTarget = process.env.WEBRTC_CONNECT_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  // Workspace packages resolve to their TypeScript sources, so the app needs no prior build.
  resolve: { conditions: ['@webrtc-connect/source', ...defaultClientConditions] },
  build: { outDir: 'dist', target: 'es2022' },
  server: { proxy: { '/api': { target: apiTarget, changeOrigin: false } } },
});
