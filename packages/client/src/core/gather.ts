const DEFAULT_GATHER_TIMEOUT_MS = 3000;

/**
 * Sets the local description and returns it once ICE gathering is complete, or when the cap is
 * reached, with the candidates found by then (non-trickle: one signal each way).
 */
export async function gatheredDescription(
  pc: RTCPeerConnection,
  description: RTCSessionDescriptionInit,
  timeoutMs = DEFAULT_GATHER_TIMEOUT_MS,
): Promise<RTCSessionDescriptionInit> {
  let check = () => {};
  // Listening before setLocalDescription: gathering can complete before it returns.
  const complete = new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    }
    check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    pc.addEventListener('icegatheringstatechange', check);
  });
  await pc.setLocalDescription(description);
  check();
  await complete;
  const gathered = pc.localDescription;
  if (!gathered) throw new Error('the local description vanished while gathering');
  return { type: gathered.type, sdp: gathered.sdp };
}
