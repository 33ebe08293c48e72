// A broadcaster on node-datachannel, in its own process, is frozen (SIGSTOP) while it sends,
// long enough for the room to promote another device, and then thawed (SIGCONT). Its channels
// died meanwhile: every send it had queued must reject or go out again, never throw and crash
// the process. It joins again and the room goes on.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Device, joinDevice, startAccountServer, until } from '../harness/account-devices.ts';
import { type DeviceProcess, startDeviceProcess } from '../harness/device-process.ts';

let server: Awaited<ReturnType<typeof startAccountServer>>;
const devices: Device[] = [];
let frozen: DeviceProcess | undefined;

beforeAll(async () => {
  server = await startAccountServer();
});
afterAll(async () => {
  for (const device of devices) device.session.leave();
  if (frozen && frozen.child.exitCode === null) {
    frozen.child.kill('SIGCONT');
    frozen.child.kill('SIGKILL');
  }
  await server?.app.close();
});

it('a frozen Node broadcaster resumes without crashing, joins again, and the room goes on', async () => {
  const token = await server.signIn('frozen');
  const device = startDeviceProcess(server.url, token);
  frozen = device;
  const joined = await device.next((report) => report.event === 'joined');
  if (joined.event !== 'joined') throw new Error('unreachable');
  expect(joined.role).toBe('broadcaster');
  for (let n = 0; n < 2; n += 1) devices.push(await joinDevice(server.url, token));
  const sessions = devices.map((member) => member.session);
  // Both clients hear the broadcaster's stream of messages: its channels are busy.
  await until(sessions, () =>
    devices.every((member) => member.received.some((message) => message.from === joined.id)),
  );

  device.child.kill('SIGSTOP');
  await until(
    sessions,
    () =>
      sessions.every(
        (session) =>
          session.state === 'connected' &&
          session.members.every((member) => member.id !== joined.id),
      ),
    30_000,
  );
  device.child.kill('SIGCONT');

  // Thawed: its socket and channels are gone; it joins again (under its id: its device key
  // lives in the process), as a client.
  const rejoined = await device.next((report) => report.event === 'rejoined', 30_000);
  if (rejoined.event !== 'rejoined') throw new Error('unreachable');
  await until(
    sessions,
    () =>
      devices.every((member) => member.received.some((message) => message.from === rejoined.id)),
    30_000,
  );
  await sessions[0]?.send('welcome back');
  await device.next((report) => report.event === 'message' && report.from === sessions[0]?.id);

  device.leave();
  expect(await device.exited).toBe(0);
  expect(device.stderr()).not.toMatch(/Error/);
});
