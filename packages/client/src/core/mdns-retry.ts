/**
 * How long ICE may stay `new` once both descriptions are in place before the other side's
 * `.local` (mDNS) candidates are given again, and how often. Chromium asks once for such a name
 * and drops the candidate when no answer comes; Firefox at times answers none and asks nothing:
 * between the two, 1 to 2 % of links never started (docs/decisions.md, "Chromium asks once for
 * an mDNS name").
 */
export const MDNS_RETRY_MS = 1_500;
export const MDNS_RETRIES = 2;
/**
 * Looks in all, so a `.local` candidate trickled in late (a slow server on the account way) is
 * still given again, and a connection left open with none never keeps a timer for long.
 */
export const MDNS_LOOKS = 4;

/**
 * While `pc`'s ICE stays `new` (no check started), gives the remote description's `.local`
 * candidates again every MDNS_RETRY_MS, MDNS_RETRIES times: each is a fresh mDNS query where the
 * first went unanswered. A look that finds none yet (they may still trickle in) uses no try; at
 * most MDNS_LOOKS looks. Returns what stops it.
 */
export function retryMdnsCandidates(pc: RTCPeerConnection): () => void {
  let tries = 0;
  let looks = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const again = () => {
    if (pc.iceConnectionState !== 'new' || pc.signalingState === 'closed') return;
    looks += 1;
    const candidates = mdnsCandidates(pc.remoteDescription?.sdp ?? '');
    if (candidates.length > 0) {
      tries += 1;
      // A candidate the implementation resolved meanwhile is taken again as a duplicate: no harm.
      for (const candidate of candidates) pc.addIceCandidate(candidate).catch(() => {});
    }
    if (tries < MDNS_RETRIES && looks < MDNS_LOOKS) timer = setTimeout(again, MDNS_RETRY_MS);
  };
  timer = setTimeout(again, MDNS_RETRY_MS);
  return () => clearTimeout(timer);
}

/** The candidates of `sdp` whose address is an mDNS name, with their media section. */
export function mdnsCandidates(sdp: string): RTCIceCandidateInit[] {
  const found: RTCIceCandidateInit[] = [];
  let section = -1;
  let mid: string | undefined;
  const inSection: string[] = [];
  const flush = () => {
    for (const candidate of inSection.splice(0)) {
      found.push({
        candidate,
        sdpMLineIndex: section,
        ...(mid === undefined ? {} : { sdpMid: mid }),
      });
    }
  };
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      flush();
      section += 1;
      mid = undefined;
    } else if (line.startsWith('a=mid:')) {
      mid = line.slice(6);
    } else if (line.startsWith('a=candidate:') && section >= 0) {
      // candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...
      if (line.split(' ')[4]?.toLowerCase().endsWith('.local')) inSection.push(line.slice(2));
    }
  }
  flush();
  return found;
}
