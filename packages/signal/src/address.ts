/**
 * Candidate addresses in their compact forms: IPv4 as 4 bytes, IPv6 as 16, an mDNS
 * `<uuid>.local` name (what browsers put in place of a private address) as the uuid's 16 bytes,
 * and any other host name as its ASCII text.
 */
export type AddressKind = 'ipv4' | 'ipv6' | 'mdns' | 'name';

export interface PackedAddress {
  kind: AddressKind;
  bytes: Uint8Array;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MDNS_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.local$/;
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Returns null for text that is no address we can carry exactly (zone ids, odd spellings). */
export function packAddress(text: string): PackedAddress | null {
  if (IPV4.test(text)) return { kind: 'ipv4', bytes: Uint8Array.from(text.split('.'), Number) };
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    // Only the canonical spelling round-trips byte for byte; anything else keeps its text.
    return bytes && formatIpv6(bytes) === text ? { kind: 'ipv6', bytes } : null;
  }
  if (MDNS_UUID.test(text)) {
    return { kind: 'mdns', bytes: hexToBytes(text.slice(0, 36).replaceAll('-', '')) };
  }
  if (HOST_NAME.test(text)) return { kind: 'name', bytes: new TextEncoder().encode(text) };
  return null;
}

/** Returns null when the bytes are no address of that kind (only possible for names). */
export function unpackAddress(kind: AddressKind, bytes: Uint8Array): string | null {
  switch (kind) {
    case 'ipv4':
      return Array.from(bytes).join('.');
    case 'ipv6':
      return formatIpv6(bytes);
    case 'mdns': {
      const hex = bytesToHex(bytes);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}.local`;
    }
    case 'name': {
      const text = String.fromCharCode(...bytes);
      return HOST_NAME.test(text) && !IPV4.test(text) && !MDNS_UUID.test(text) ? text : null;
    }
  }
}

export function addressFamily(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}

function parseIpv6(text: string): Uint8Array | null {
  // Embedded dotted IPv4 is not canonical RFC 5952 output, so it never compacts: no need to parse it.
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string | undefined): number[] | null => {
    if (!part) return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
      out.push(Number.parseInt(group, 16));
    }
    return out;
  };
  const left = parse(halves[0]);
  const right = parse(halves[1]);
  if (!left || !right) return null;
  const known = left.length + right.length;
  if (halves.length === 2 ? known > 7 : known !== 8) return null;
  const groups = [...left, ...new Array<number>(8 - known).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >>> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (2+) of zero groups as "::". */
function formatIpv6(bytes: Uint8Array): string {
  const groups = Array.from(
    { length: 8 },
    (_, i) => ((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0),
  );
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
