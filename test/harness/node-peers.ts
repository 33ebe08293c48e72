import wrtc from '@roamhq/wrtc';
import { RTCPeerConnection as NdcPeerConnection } from 'node-datachannel/polyfill';
import { assertPrivateNetns } from './netns.ts';
import { DEFAULT_PEER_CONFIG, type Peer } from './peer.ts';
import {
  createPeerSession,
  type PeerConnectionConstructor,
  type PeerSessionConfig,
} from './peer-session.ts';

export interface NodePeerOptions {
  label?: string;
  config?: Partial<PeerSessionConfig>;
}

/** A peer on node-datachannel (libdatachannel + libjuice) through its W3C polyfill. */
export function createNdcPeer(options: NodePeerOptions = {}): Peer {
  return nodePeer(
    // The polyfill's class declares a few members differently from lib.dom's; at runtime it is
    // the W3C API the session uses.
    NdcPeerConnection as unknown as PeerConnectionConstructor,
    options.label ?? 'node-datachannel',
    options.config,
  );
}

/** A peer on @roamhq/wrtc (libwebrtc, the same stack as Chromium). */
export function createWrtcPeer(options: NodePeerOptions = {}): Peer {
  return nodePeer(
    wrtc.RTCPeerConnection as unknown as PeerConnectionConstructor,
    options.label ?? 'wrtc',
    options.config,
  );
}

function nodePeer(
  PeerConnection: PeerConnectionConstructor,
  label: string,
  config: Partial<PeerSessionConfig> = {},
): Peer {
  assertPrivateNetns();
  return { label, ...createPeerSession(PeerConnection, { ...DEFAULT_PEER_CONFIG, ...config }) };
}
