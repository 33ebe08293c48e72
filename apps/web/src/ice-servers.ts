import { getIceServers } from 'webrtc-connect';

/** Long enough for a slow network; short when the server is gone (the sound way offline). */
const TIMEOUT_MS = 2000;

function fetchList(): Promise<RTCIceServer[]> {
  // Without the list peers still reach each other on the same network: never a failure.
  return getIceServers(location.origin, { timeout: TIMEOUT_MS }).catch(() => []);
}

/** Asked as the page loads, so the first connection does not wait for it. */
let early: Promise<RTCIceServer[]> | null = fetchList();

/**
 * This server's STUN and TURN servers (`--ice-servers`), for a connection about to be made:
 * the list asked for at load the first time, a fresh one (fresh TURN credentials) after.
 */
export function appIceServers(): Promise<RTCIceServer[]> {
  const list = early ?? fetchList();
  early = null;
  return list;
}
