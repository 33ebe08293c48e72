import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAccountServer } from '../harness/account-devices.ts';
import { deliveryProblems, type FailoverRun, runFailover } from '../harness/account-failover.ts';

// Issue 5's figure: 10 devices sending continuously while the broadcaster is taken away 20
// times, in turn by a clean leave, a crash and silence; each one taken is replaced by a new
// device, so the room keeps its size. Bounded: about 35 s on two cores.
let server: Awaited<ReturnType<typeof startAccountServer>>;
let run: FailoverRun | undefined;

beforeAll(async () => {
  // The default heartbeat: 30 devices with @roamhq/wrtc in one process stall it now and then.
  server = await startAccountServer(750);
});
afterAll(async () => {
  for (const device of run?.everyone ?? []) device.session.leave();
  await server?.app.close();
});

it('10 devices, 20 changes of broadcaster: every message of every device still up reaches every other once, in order', async () => {
  const ways = Array.from({ length: 20 }, (_, n) => (['leave', 'kill', 'silence'] as const)[n % 3]);
  run = await runFailover({
    server: server.url,
    token: await server.signIn('scale'),
    devices: 10,
    ways: ways.filter((way) => way !== undefined),
    burst: 5,
    replace: true,
    tickMs: 50,
  });
  expect(deliveryProblems(run)).toEqual([]);
  const messages = [...run.sent.values()].reduce((sum, list) => sum + list.length, 0);
  // About 4,300 on two cores: sending went on through every change.
  expect(messages).toBeGreaterThan(2000);
  expect(run.everyone).toHaveLength(30);
  expect(run.survivors).toHaveLength(10);
  const last = run.survivors.at(-1)?.session;
  expect(last?.epoch).toBe(21);
}, 180_000);
