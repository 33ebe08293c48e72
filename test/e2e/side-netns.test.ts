// The harness's side networks (test/harness/side-netns.ts) share the private namespace with the
// files that run after theirs: whoever turns it into a router must be able to put it back, and
// a side network must not leave it routing once closed.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertPrivateNetns } from '../harness/netns.ts';
import { becomeRouter, openSideNetwork, SERVER_ADDRESS } from '../harness/side-netns.ts';

const run = promisify(execFile);

/** Whether the private namespace forwards, and whether its lo holds the server's address. */
async function routingState(): Promise<{ forwarding: string; serverAddress: boolean }> {
  const forwarding = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
  const { stdout } = await run('ip', ['-o', 'addr', 'show', 'dev', 'lo']);
  return { forwarding, serverAddress: stdout.includes(`${SERVER_ADDRESS}/32`) };
}

let before: { forwarding: string; serverAddress: boolean };
beforeAll(async () => {
  assertPrivateNetns();
  before = await routingState();
  expect(before.serverAddress).toBe(false);
});

describe('side networks and the router they need', () => {
  it('a side network opened and closed alone leaves the namespace as it found it', async () => {
    const side = await openSideNetwork(95);
    expect(await routingState()).toEqual({ forwarding: '1', serverAddress: true });
    await side.close();
    expect(await routingState()).toEqual(before);
  });

  it('the namespace routes until the last of the caller’s and the sides’ shares is released', async () => {
    const [first, second] = await Promise.all([openSideNetwork(95), openSideNetwork(96)]);
    const stopRouting = await becomeRouter();
    await first.close();
    await stopRouting();
    // Released twice, counted once: the open side still routes.
    await stopRouting();
    expect(await routingState()).toEqual({ forwarding: '1', serverAddress: true });
    await second.close();
    expect(await routingState()).toEqual(before);
  });
});
