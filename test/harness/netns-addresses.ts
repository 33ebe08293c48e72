import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { assertPrivateNetns } from './netns.ts';

const run = promisify(execFile);

/** The addresses scripts/in-netns.sh gives the veth pair's two ends. */
export const HOME_ADDRESSES = { 'wc-veth0': '10.77.0.1/24', 'wc-veth1': '10.77.0.2/24' } as const;

type Veth = keyof typeof HOME_ADDRESSES;

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/**
 * Takes every address off the veth pair: each host candidate the browsers gathered stops
 * working at once, as when a laptop leaves its Wi-Fi. Only inside the private namespace.
 */
export async function dropAddresses(): Promise<void> {
  assertPrivateNetns();
  for (const veth of Object.keys(HOME_ADDRESSES) as Veth[]) await ip('addr', 'flush', 'dev', veth);
}

/**
 * Gives the veth pair `addresses` (a new network: other addresses than before) and the default
 * route through it again.
 */
export async function joinNetwork(addresses: Record<Veth, string>): Promise<void> {
  assertPrivateNetns();
  for (const [veth, address] of Object.entries(addresses)) {
    await ip('addr', 'replace', address, 'dev', veth);
  }
  const gateway = addresses['wc-veth1'].split('/')[0] ?? '';
  await ip('route', 'replace', 'default', 'via', gateway, 'dev', 'wc-veth0');
}

/** Back to the addresses the namespace started with (after a test moved them). */
export async function restoreHomeNetwork(): Promise<void> {
  await dropAddresses();
  await joinNetwork(HOME_ADDRESSES);
}
