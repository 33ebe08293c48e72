import { ConnectError } from '../errors.ts';

export type PeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/** What every way of connecting takes: the WebRTC implementation and how to gather. */
export interface PeerOptions {
  /** `RTCPeerConnection` of the browser, or of node-datachannel's polyfill, @roamhq/wrtc, … */
  RTCPeerConnection: PeerConnectionConstructor;
  /** STUN/TURN servers; none by default, so nothing is contacted that the caller did not name. */
  iceServers?: RTCIceServer[];
  /** Longest wait for ICE gathering, in ms (default 3000): a dead STUN server must not stall us. */
  gatherTimeout?: number;
  /**
   * Longest wait for an open data channel, in ms. A: from applying the answer (default 30000).
   * B: from answering (default: as long as its reply lives in the mailbox, 10 min without one).
   */
  connectTimeout?: number;
}

export function checkPeerOptions(options: PeerOptions): void {
  if (typeof options?.RTCPeerConnection !== 'function') {
    throw new ConnectError(
      'ERR_INVALID_OPTIONS',
      'pass the RTCPeerConnection implementation to use',
    );
  }
}

export function createPeerConnection(options: PeerOptions): RTCPeerConnection {
  return new options.RTCPeerConnection({ iceServers: options.iceServers ?? [] });
}
