/**
 * A session description as WebRTC has it (`RTCSessionDescriptionInit`, or an
 * `RTCSessionDescription`): structurally the same, so either passes and the result goes straight
 * to `setRemoteDescription`, but declared here so this package's types need no DOM lib (Node,
 * workers and servers import it too).
 */
export interface SessionDescription {
  type: SdpType;
  sdp?: string;
}

export type SdpType = 'offer' | 'answer' | 'pranswer' | 'rollback';
