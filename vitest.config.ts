import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { INTEGRATION_E2E_TESTS, INTEGRATION_PACKAGE_TESTS } from './test/tiers.ts';

// A listed file that moved would silently change tier: fail instead.
for (const file of [...INTEGRATION_PACKAGE_TESTS, ...INTEGRATION_E2E_TESTS]) {
  if (!existsSync(new URL(file, import.meta.url))) {
    throw new Error(`test/tiers.ts lists ${file}, which does not exist: update the list`);
  }
}

/** Real services and WebRTC: one file at a time (two cores, and timing is what we test). */
const serial = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  fileParallelism: false,
};

export default defineConfig({
  resolve: { conditions: ['@webrtc-connect/source'] },
  ssr: { resolve: { conditions: ['@webrtc-connect/source'] } },
  test: {
    // One worker a core (vitest leaves one core for itself by default: a single worker on two
    // cores). The unit tier took 43 s wall on one worker here and 24 s on two. The tiers run one
    // after another (sequence.groupOrder) and integration and browser files one at a time, so
    // WebRTC's timing never shares the machine with other tests, as with one worker before.
    maxWorkers: Math.max(2, availableParallelism()),
    // Tiers (test/tiers.ts): `npm test -- --tier unit`, or `npx vitest run --project unit`.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          // test/repo: checks of the repository as a whole (import cycles).
          include: ['packages/*/test/**/*.test.ts', 'test/repo/**/*.test.ts'],
          exclude: INTEGRATION_PACKAGE_TESTS,
          // Files share a worker's module cache: importing Fastify, the modem and the codec
          // once per worker instead of once per file took the tier from 71 to 29 s of CPU.
          // Every unit test restores what it changes (timers, stubbed globals, servers).
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: [...INTEGRATION_PACKAGE_TESTS, ...INTEGRATION_E2E_TESTS],
          ...serial,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          sequence: { groupOrder: 2 },
          include: ['test/e2e/**/*.test.ts'],
          exclude: INTEGRATION_E2E_TESTS,
          ...serial,
        },
      },
    ],
  },
});
