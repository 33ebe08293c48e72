import { ConnectError } from '../errors.ts';

/**
 * The first byte of a resume offer's body: restart ICE on the connection, or a fresh one whose
 * data channel is announced in band (`MODE_FRESH`, from versions before `MODE_FRESH_NEGOTIATED`)
 * or negotiated on both sides (`linkChannel`, link-token.ts, says why).
 */
export const MODE_RESTART = 0;
export const MODE_FRESH = 1;
export const MODE_FRESH_NEGOTIATED = 2;

export function withMode(mode: number, signal: Uint8Array): Uint8Array {
  const body = new Uint8Array(1 + signal.length);
  body[0] = mode;
  body.set(signal, 1);
  return body;
}

/**
 * Sets a description that starts gathering anew (an ICE restart) and returns it once gathered
 * or at the cap: unlike a first gathering, the state may still read `complete` from the last.
 */
export async function gatheredAfresh(
  pc: RTCPeerConnection,
  description: RTCSessionDescriptionInit,
  timeoutMs = 3000,
): Promise<RTCSessionDescriptionInit> {
  let onChange = () => {};
  const complete = new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      resolve();
    }
    onChange = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    pc.addEventListener('icegatheringstatechange', onChange);
  });
  await pc.setLocalDescription(description);
  await complete;
  const gathered = pc.localDescription;
  if (!gathered) throw new ConnectError('ERR_CLOSED', 'the connection closed while gathering');
  return gathered;
}
