import { type IceServersResponse, MAILBOX_PATHS } from '@webrtc-connect/protocol';
import { ConnectError } from '../errors.ts';

const DEFAULT_TIMEOUT_MS = 3000;

/**
 * The STUN and TURN servers a WebRTC Connect server tells its peers to use
 * (`GET /api/ice-servers`), ready for the `iceServers` option of every call. Peers on different
 * networks need them; TURN credentials the server makes expire (`expiresAt`), so ask again for
 * a connection made later. Fails with ERR_MAILBOX if the server cannot say within `timeout` ms.
 */
export async function getIceServers(
  server: string,
  options: { timeout?: number } = {},
): Promise<RTCIceServer[]> {
  let url: URL;
  try {
    url = new URL(MAILBOX_PATHS.iceServers, server);
  } catch (cause) {
    throw new ConnectError('ERR_INVALID_OPTIONS', `the server address "${server}" is not a URL`, {
      cause,
    });
  }
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeout) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as IceServersResponse;
    if (!Array.isArray(body.iceServers)) throw new Error('no iceServers list in the answer');
    return body.iceServers;
  } catch (cause) {
    throw new ConnectError('ERR_MAILBOX', `${url.origin} did not list its ICE servers`, { cause });
  }
}
