/**
 * Which test files belong to which tier (vitest projects of the same names):
 *
 * - `unit`: no services (package tests and test/repo's checks of the repository). No Redis, no network beyond loopback inside the test's own process
 *   (Fastify's inject, or the server under test on 127.0.0.1), no WebRTC, no browser, no child
 *   process: package tests, the client's with fakes (packages/client/test/fakes). Runs
 *   anywhere, in seconds.
 * - `integration`: real services and peers in Node: Redis, coturn, the client against the real
 *   server, Node WebRTC peers (node-datachannel, @roamhq/wrtc), child processes; and the modem's
 *   statistical trials through simulated rooms (CPU-bound minutes, not logic).
 * - `browser`: Chromium and Firefox against the real server.
 *
 * A package test is `unit` unless listed in INTEGRATION_PACKAGE_TESTS; a test/e2e file is
 * `browser` unless listed in INTEGRATION_E2E_TESTS. vitest.config.ts checks that every listed
 * file exists, so a moved file fails loudly instead of changing tier unseen.
 */
export const INTEGRATION_PACKAGE_TESTS = [
  // The client against the real server (its logic is tested in unit with fakes).
  'packages/client/test/account-device-key.test.ts',
  'packages/client/test/account-tokens.test.ts',
  // The modem through the simulated rooms and phone lines (packages/modem/test/channel):
  // statistical trials over thousands of frames, 46% of the unit tier's time when they were in
  // it (107 of 230 file-seconds here). The modem's own logic stays in unit.
  'packages/modem/test/integrity.test.ts',
  'packages/modem/test/robustness.test.ts',
  'packages/modem/test/telephone.test.ts',
  // The CLI as a child process.
  'packages/server/test/operations.test.ts',
  // Redis.
  'packages/server/test/account-device-keys.test.ts',
  'packages/server/test/redis-outage.test.ts',
  'packages/server/test/redis-stores.test.ts',
  'packages/server/test/resume-box-stores.test.ts',
  'packages/server/test/shared-limits.test.ts',
];

export const INTEGRATION_E2E_TESTS = [
  'test/e2e/account-failover-scale.test.ts',
  'test/e2e/account-fresh-tokens.test.ts',
  'test/e2e/account-frozen-device.test.ts',
  'test/e2e/account-rooms.test.ts',
  'test/e2e/file-resume-node.test.ts',
  'test/e2e/instances-account.test.ts',
  'test/e2e/instances-mailbox.test.ts',
  'test/e2e/link-library.test.ts',
  'test/e2e/messenger.test.ts',
  'test/e2e/resume-library.test.ts',
  'test/e2e/side-netns.test.ts',
  'test/e2e/sound-library.test.ts',
];

/**
 * Integration and browser files whose minutes are mostly spent waiting on real timers, not
 * working: a reply code typed 3 minutes late, tokens expiring over two minutes, network changes
 * that Firefox notices only when its consent to send expires (30 s). `npm test` runs them in a
 * second vitest process (`WEBRTC_CONNECT_TEST_LANE=waits`, in a network namespace of its own, at
 * a lower CPU priority) beside the other integration and browser files
 * (`WEBRTC_CONNECT_TEST_LANE=rest`), so their idle minutes overlap that work instead of adding to
 * it. Each stays in its tier: `--project browser` still runs web-app-late-reply.
 */
export const WAIT_BOUND_TESTS = [
  'test/e2e/account-fresh-tokens.test.ts',
  'test/e2e/web-app-late-reply.test.ts',
  'test/e2e/web-app-network-change.test.ts',
];

/**
 * Files that decode sound in real time (the browsers' AudioWorklets): starved of CPU they miss
 * what they listen for. They run last in their tier (test/sequencer.ts), when the wait-bound
 * files beside them are most likely done.
 */
export const REAL_TIME_TESTS = [
  'test/e2e/sound-fake-microphone.test.ts',
  'test/e2e/sound-pulseaudio.test.ts',
];

/** Which share of the integration and browser files one vitest process runs (see above). */
export const TEST_LANES = ['waits', 'rest'] as const;
export type TestLane = (typeof TEST_LANES)[number];

export const TIERS = ['unit', 'integration', 'browser'] as const;
export type Tier = (typeof TIERS)[number];
