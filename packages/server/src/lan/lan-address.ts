import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';

/** Bridges of containers and virtual machines: other devices on the network cannot reach them. */
const VIRTUAL_BRIDGE = /^(docker|br-|virbr|vmnet|vboxnet|cni|flannel|podman)/;

/**
 * The address a phone on the same network reaches this machine at: an IPv4 address of an
 * interface that is not loopback nor a container bridge, private ranges first (192.168/16, then
 * 10/8, then 172.16/12), as home and office routers hand them out.
 */
export function lanAddress(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string | undefined {
  const candidates = Object.entries(interfaces)
    .filter(([name]) => !VIRTUAL_BRIDGE.test(name))
    .flatMap(([, infos]) => infos ?? [])
    .filter((info) => info.family === 'IPv4' && !info.internal)
    .map((info) => info.address);
  return candidates.sort((a, b) => rank(a) - rank(b))[0];
}

function rank(address: string): number {
  if (address.startsWith('192.168.')) return 0;
  if (address.startsWith('10.')) return 1;
  if (/^172\.(1[6-9]|2\d|3[01])\./.test(address)) return 2;
  // Link-local (no DHCP answer) last: a phone rarely shares such a network.
  if (address.startsWith('169.254.')) return 4;
  return 3;
}
