import type { PeerOptions } from '../core/peer-options.ts';

/** Only the peer options of a larger options object, to hand on to createLink or acceptLink. */
export function peerOptionsOf(options: PeerOptions): PeerOptions {
  const picked: PeerOptions = { RTCPeerConnection: options.RTCPeerConnection };
  if (options.iceServers !== undefined) picked.iceServers = options.iceServers;
  if (options.gatherTimeout !== undefined) picked.gatherTimeout = options.gatherTimeout;
  if (options.connectTimeout !== undefined) picked.connectTimeout = options.connectTimeout;
  return picked;
}
