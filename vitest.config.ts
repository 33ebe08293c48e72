import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { RealTimeLastSequencer } from './test/sequencer.ts';
import {
  INTEGRATION_E2E_TESTS,
  INTEGRATION_PACKAGE_TESTS,
  REAL_TIME_TESTS,
  TEST_LANES,
  type TestLane,
  WAIT_BOUND_TESTS,
} from './test/tiers.ts';

// A listed file that moved would silently change tier: fail instead.
for (const file of [
  ...INTEGRATION_PACKAGE_TESTS,
  ...INTEGRATION_E2E_TESTS,
  ...WAIT_BOUND_TESTS,
  ...REAL_TIME_TESTS,
]) {
  if (!existsSync(new URL(file, import.meta.url))) {
    throw new Error(`test/tiers.ts lists ${file}, which does not exist: update the list`);
  }
}

const laneName = process.env.WEBRTC_CONNECT_TEST_LANE;
if (laneName && !(TEST_LANES as readonly string[]).includes(laneName)) {
  throw new Error(`WEBRTC_CONNECT_TEST_LANE=${laneName}: use ${TEST_LANES.join(' or ')}, or unset`);
}
const lane = laneName as TestLane | undefined;

/**
 * The files of a tier in the lane scripts/test.sh asked for: `waits`, only the wait-bound files
 * (test/tiers.ts, all in test/e2e, so none is a unit test); `rest`, all others; no lane, all.
 */
function inLane(tier: { include: string[]; exclude?: string[] }) {
  const exclude = tier.exclude ?? [];
  if (lane === 'rest') return { include: tier.include, exclude: [...exclude, ...WAIT_BOUND_TESTS] };
  if (lane !== 'waits') return { include: tier.include, exclude };
  // A tier of listed files holds the wait-bound ones it lists; one of globs (test/e2e/**), those
  // it does not exclude.
  const listed = tier.include.every((pattern) => !pattern.includes('*'));
  const include = WAIT_BOUND_TESTS.filter((file) =>
    listed ? tier.include.includes(file) : !exclude.includes(file),
  );
  return { include, exclude };
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
    // The exception: `npm test` runs the wait-bound files (test/tiers.ts) in a second process.
    maxWorkers: Math.max(2, availableParallelism()),
    // Real-time sound last in its tier (test/sequencer.ts).
    sequence: { sequencer: RealTimeLastSequencer },
    // Tiers (test/tiers.ts): `npm test -- --tier unit`, or `npx vitest run --project unit`.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          // test/repo: checks of the repository as a whole (import cycles).
          // Never in the waits lane: no unit test waits on timers for minutes.
          include:
            lane === 'waits' ? [] : ['packages/*/test/**/*.test.ts', 'test/repo/**/*.test.ts'],
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
          ...inLane({ include: [...INTEGRATION_PACKAGE_TESTS, ...INTEGRATION_E2E_TESTS] }),
          ...serial,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          sequence: { groupOrder: 2 },
          // The web app built once for the run, not once in each file that serves it.
          globalSetup: ['test/harness/web-app-global-setup.ts'],
          ...inLane({ include: ['test/e2e/**/*.test.ts'], exclude: INTEGRATION_E2E_TESTS }),
          ...serial,
        },
      },
    ],
  },
});
