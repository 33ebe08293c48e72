import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BlankServer {
  /** e.g. `http://127.0.0.1:41234`; loopback http counts as a secure context. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves an empty HTML page on loopback. Test pages need a secure context: about:blank has an
 * opaque origin where `navigator.mediaDevices` is undefined (RTCPeerConnection works, getUserMedia
 * does not), and Chromium grants media permission per origin, which decides mDNS vs raw addresses.
 */
export async function startBlankServer(): Promise<BlankServer> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><meta charset="utf-8"><title>webrtc-connect test</title>');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
