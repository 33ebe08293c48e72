import type { PeerConnectionConstructor } from 'webrtc-connect';

/**
 * The browser's RTCPeerConnection, reporting each instance the library makes, so the page can
 * show how far the connection got (the library hands out the connection only once open).
 */
export function observedPeerConnection(
  onCreate: (pc: RTCPeerConnection) => void,
): PeerConnectionConstructor {
  return class extends RTCPeerConnection {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      onCreate(this);
    }
  };
}
