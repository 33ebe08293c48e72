/** One `a=candidate` line, split into the fields tests assert on (RFC 8839 §5.1). */
export interface SdpCandidate {
  /** 'udp' or 'tcp', lower-cased: libdatachannel writes 'UDP'. */
  protocol: string;
  address: string;
  port: number;
  /** 'host', 'srflx', 'prflx' or 'relay'. */
  type: string;
  /** Only for TCP: 'active', 'passive' or 'so'. */
  tcpType?: string;
  /** Only for srflx/prflx/relay: the base; Chromium hides it as 0.0.0.0 in mDNS mode. */
  relatedAddress?: string;
  relatedPort?: number;
  line: string;
}

export function candidatesOf(sdp: string | undefined): SdpCandidate[] {
  return (sdp ?? '')
    .split(/\r?\n/)
    .filter((line) => line.startsWith('a=candidate:'))
    .map(parseCandidate);
}

function parseCandidate(line: string): SdpCandidate {
  // foundation component protocol priority address port "typ" type [name value]...
  const [, , protocol = '', , address = '', port = '', , type = '', ...extensions] = line
    .slice('a=candidate:'.length)
    .split(' ');
  const extension = (name: string) => {
    const at = extensions.indexOf(name);
    return at >= 0 && at % 2 === 0 ? extensions[at + 1] : undefined;
  };
  const candidate: SdpCandidate = {
    protocol: protocol.toLowerCase(),
    address,
    port: Number(port),
    type,
    line,
  };
  const tcpType = extension('tcptype');
  const relatedAddress = extension('raddr');
  const relatedPort = extension('rport');
  if (tcpType !== undefined) candidate.tcpType = tcpType;
  if (relatedAddress !== undefined) candidate.relatedAddress = relatedAddress;
  if (relatedPort !== undefined) candidate.relatedPort = Number(relatedPort);
  return candidate;
}
