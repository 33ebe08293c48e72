/** How long to wait for ICE gathering: a dead STUN server must not stall the page for 40 s. */
const GATHERING_CAP_MS = 3000;

/**
 * Sets the local description and returns it once ICE gathering is complete, or once the cap
 * is reached with whatever candidates arrived by then (non-trickle: one signal each way).
 */
export async function gatheredDescription(
  pc: RTCPeerConnection,
  description: RTCSessionDescriptionInit,
): Promise<RTCSessionDescriptionInit> {
  await pc.setLocalDescription(description);
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, GATHERING_CAP_MS);
      function done() {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      }
      function check() {
        if (pc.iceGatheringState === 'complete') done();
      }
      pc.addEventListener('icegatheringstatechange', check);
    });
  }
  const local = pc.localDescription;
  if (!local) throw new Error('the browser lost the local description');
  return { type: local.type, sdp: local.sdp };
}
