import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@webrtc-connect/source'] },
  ssr: { resolve: { conditions: ['@webrtc-connect/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // test/repo: checks of the repository as a whole (import cycles).
          include: ['packages/*/test/**/*.test.ts', 'test/repo/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One Chromium at a time: two cores, and WebRTC timing is what we test.
          fileParallelism: false,
        },
      },
    ],
  },
});
