import { readFileSync } from 'node:fs';

/** Interfaces that scripts/in-netns.sh creates; anything else means a real network is reachable. */
const NAMESPACE_INTERFACES = ['lo', 'wc-veth0', 'wc-veth1'];

/**
 * The outer ends of the veth pairs side-netns.ts makes inside the private namespace (one per
 * nested side namespace): made there, so no sign of a real network.
 */
const SIDE_INTERFACE = /^wcs-[a-z0-9]+$/;

/**
 * Throws unless this process runs inside the private network namespace of scripts/in-netns.sh.
 * Every test that opens WebRTC calls it first, so a run started outside the script fails at once
 * instead of sending mDNS queries, STUN requests or connectivity checks to a real network.
 */
export function assertPrivateNetns(): void {
  const hint =
    'run it through scripts/in-netns.sh, e.g. `scripts/in-netns.sh npx vitest run --project integration`';
  if (process.env.WEBRTC_CONNECT_NETNS !== '1') {
    throw new Error(`WebRTC test outside the private network namespace: ${hint}`);
  }
  // The variable could leak into a shell outside the namespace, so also look at the interfaces.
  // /proc/net/dev lists the reading process's own namespace (unlike /sys/class/net, which shows
  // the namespace /sys was mounted in).
  const interfaces = readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter((name) => name !== '')
    .sort();
  const own = interfaces.filter((name) => !SIDE_INTERFACE.test(name));
  if (own.join(',') !== [...NAMESPACE_INTERFACES].sort().join(',')) {
    throw new Error(
      `WebRTC test sees network interfaces [${interfaces.join(', ')}], expected only ` +
        `[${NAMESPACE_INTERFACES.join(', ')}]: ${hint}`,
    );
  }
}
