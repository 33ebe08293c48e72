import { BlockList, isIP } from 'node:net';
import { ServerError } from '../errors.ts';

/**
 * Which reverse proxies are believed about the client's address: the number of proxy hops in
 * front of the server (1 for one nginx), or the proxies' addresses and CIDR ranges (or
 * proxy-addr's names `loopback`, `linklocal`, `uniquelocal`). Never "every hop": the
 * left-most `x-forwarded-for` entry is written by the client, so trusting it gives every
 * request a fresh address and every per-address limit falls.
 */
export type ProxyTrust = number | readonly string[];

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const TRUST_ALL = /^(|true|yes|on|all|\*)$/i;

export const TRUST_PROXY_USAGE =
  "give the number of proxy hops in front of the server (--trust-proxy 1 behind one nginx) or the proxies' addresses and CIDRs (--trust-proxy 10.0.0.2,10.1.0.0/16); trusting every hop lets any client choose its address";

/**
 * The option checked: a whole number of hops from 1, or a list of addresses. `true` (trust
 * every hop) is refused, naming what to use instead; `false`, `0` and `undefined` are off.
 */
export function resolveProxyTrust(value: unknown): ProxyTrust | false {
  if (value === undefined || value === false || value === 0) return false;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 1 && value <= 32) return value;
    throw invalid(`trustProxy must be 1 to 32 hops, not ${String(value)}`);
  }
  if (typeof value === 'string') return resolveProxyTrust(parseProxyTrust(value, 'trustProxy'));
  if (Array.isArray(value) && value.length > 0) {
    for (const entry of value) checkProxyAddress(entry);
    return [...(value as string[])];
  }
  throw invalid(`trustProxy: ${JSON.stringify(value) ?? String(value)} would trust every hop`);
}

/** `--trust-proxy`'s text: `2` (hops), `10.0.0.2,10.1.0.0/16` (proxies) or `0` (off). */
export function parseProxyTrust(text: string, name = '--trust-proxy'): ProxyTrust | false {
  const value = text.trim();
  if (TRUST_ALL.test(value)) throw invalid(`${name} ${JSON.stringify(text)} would trust every hop`);
  if (/^\d{1,3}$/.test(value)) {
    const hops = Number(value);
    if (hops === 0) return false;
    if (hops <= 32) return hops;
    throw invalid(`${name} must be 1 to 32 hops, not ${value}`);
  }
  const list = value.split(',').map((entry) => entry.trim());
  for (const entry of list) checkProxyAddress(entry, name);
  return list;
}

/**
 * The bare `--trust-proxy` of old took no value: followed by another flag, or last, it is the
 * old "trust every hop" switch, refused here rather than as a missing value.
 */
export function refuseBareTrustProxy(args: readonly string[]): void {
  const at = args.indexOf('--trust-proxy');
  if (at === -1) return;
  const next = args[at + 1];
  if (next === undefined || next.startsWith('-')) {
    throw invalid('--trust-proxy without a value would trust every hop');
  }
}

function checkProxyAddress(entry: unknown, name = 'trustProxy'): void {
  if (typeof entry === 'string' && NAMED_RANGES.has(entry)) return;
  const [address = '', prefix, extra] = typeof entry === 'string' ? entry.split('/') : [];
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  const prefixOk =
    prefix === undefined ||
    (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits && extra === undefined);
  if (family === 0 || !prefixOk) {
    throw invalid(`${name}: ${JSON.stringify(entry)} is not a proxy address or CIDR`);
  }
}

function invalid(message: string): ServerError {
  return new ServerError('ERR_INVALID_CONFIG', `${message}: ${TRUST_PROXY_USAGE}`);
}

const RANGES: Readonly<Record<string, readonly string[]>> = {
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  loopback: ['127.0.0.0/8', '::1/128'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/**
 * Whether a connection's peer is one of the trusted proxies. With a hop count every peer is
 * the first hop (the server must then be reachable through the proxy only).
 */
export function trustedProxyMatcher(trust: ProxyTrust | false): (address: string) => boolean {
  if (trust === false) return () => false;
  if (typeof trust === 'number') return () => true;
  const list = new BlockList();
  for (const entry of trust.flatMap((item) => RANGES[item] ?? [item])) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    const plain =
      address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * Fastify's `trustProxy` (proxy-addr's trust function: the hop's address and its distance from
 * the server, 0 being the socket's peer): the first `n` hops, or the listed proxies.
 */
export function proxyTrustFunction(
  trust: ProxyTrust | false,
): false | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  const trusted = trustedProxyMatcher(trust);
  return (address) => trusted(address);
}
