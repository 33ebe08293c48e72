import {
  ACCOUNT_ERROR_CLOSE,
  ACCOUNT_PATHS,
  ACCOUNT_PROTOCOL_VERSION,
  type AccountErrorFrame,
  checkServerFrame,
  type DeviceFrame,
  HELLO_TIMEOUT_MS,
  type ServerFrame,
  SILENCE_HEARTBEATS,
  type WelcomeFrame,
} from '@webrtc-connect/protocol';
import { ConnectError } from '../errors.ts';
import { type DeviceIdentity, proveDevice } from './device-key.ts';

/** `WebSocket` of the browser, or of the `ws` package in Node. */
export type WebSocketConstructor = new (url: string) => WebSocket;

/** The device's socket to the account server, joined: frames in and out, heartbeat running. */
export interface AccountSocket {
  welcome: WelcomeFrame;
  send(frame: DeviceFrame): void;
  /** Sends `leave` (asking the server to forget the device key, or not) and closes. */
  leave(forget: boolean): void;
  /** Closes without a word (the server notices the close). */
  close(): void;
  /**
   * Pings every `heartbeatMs` while this device is the broadcaster (the first at once), and
   * every `idleHeartbeatMs` otherwise.
   */
  setBroadcaster(broadcaster: boolean): void;
}

export interface SocketHandlers {
  frame(frame: ServerFrame): void;
  /** A frame after the welcome that does not follow the protocol: ignored, and told. */
  malformed(error: ConnectError): void;
  /**
   * The socket closed after the welcome, or the server went silent (no frame for 3 of our
   * heartbeats: its pongs stopped): `error` says why, when it was not our doing. Called once.
   */
  closed(error: ConnectError | undefined): void;
}

/** The WebSocket address of the account endpoint of a server given by its http(s) base URL. */
export function accountSocketUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(ACCOUNT_PATHS.socket, server);
  } catch {
    throw new ConnectError('ERR_INVALID_OPTIONS', 'server must be an http(s) URL');
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ConnectError('ERR_INVALID_OPTIONS', 'server must be an http(s) URL');
  }
  return url.href;
}

/**
 * Opens the socket, sends the hello (the token never goes in the URL; the device's public key
 * when it has one, whose challenge it then answers), and resolves with the welcome; fails with
 * ERR_ACCOUNT_REFUSED (the server's code as `serverCode`), ERR_ACCOUNT_SERVER,
 * ERR_ACCOUNT_PROTOCOL or ERR_TIMEOUT. Every frame is checked against the protocol's schema.
 * After the welcome, pings at the heartbeat of its role, and gives the socket up when the
 * server's answers stop.
 */
export function openAccountSocket(
  Socket: WebSocketConstructor,
  url: string,
  token: string,
  device: DeviceIdentity | undefined,
  handlers: SocketHandlers,
): Promise<AccountSocket> {
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new Socket(url);
    } catch (error) {
      // No network, a blocked address: like a socket that closed at once.
      reject(new ConnectError('ERR_ACCOUNT_SERVER', `no socket: ${String(error)}`));
      return;
    }
    let joined: AccountSocket | undefined;
    let lastError: AccountErrorFrame | undefined;
    let ended = false;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let heartbeatMs = 0;
    let lastFrameAt = 0;
    // The server's own deadline, plus room for the token check.
    const timer = setTimeout(() => {
      fail(new ConnectError('ERR_TIMEOUT', 'the account server sent no welcome in time'));
      socket.close();
    }, HELLO_TIMEOUT_MS + 5_000);

    const send = (frame: DeviceFrame) => {
      if (socket.readyState === 1) socket.send(JSON.stringify(frame));
    };
    function fail(error: ConnectError) {
      clearTimeout(timer);
      if (!joined) reject(error);
    }
    const end = () => {
      ended = true;
      clearInterval(heartbeat);
      socket.close();
    };
    const beat = (every: number) => {
      if (every === heartbeatMs) return;
      clearInterval(heartbeat);
      heartbeatMs = every;
      heartbeat = setInterval(() => {
        // Every ping is answered: a server silent this long is gone, even if no close came.
        if (performance.now() - lastFrameAt > SILENCE_HEARTBEATS * every + 1_000) {
          lost(new ConnectError('ERR_ACCOUNT_SERVER', 'the account server stopped answering'));
          return;
        }
        send({ type: 'ping' });
      }, every);
    };
    const lost = (error: ConnectError) => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      socket.close();
      handlers.closed(error);
    };

    // A refused or broken connection: the close that follows says so. Listening matters in
    // Node, where `ws` throws an error event nobody listens to (a device joining again while
    // its server is down would take the process with it).
    socket.addEventListener('error', () => {});
    socket.addEventListener('open', () =>
      send({
        type: 'hello',
        version: ACCOUNT_PROTOCOL_VERSION,
        token,
        ...(device ? { deviceKey: device.publicKey } : {}),
      }),
    );
    const malformed = (problem: string) => {
      const error = new ConnectError('ERR_ACCOUNT_PROTOCOL', `the account server sent ${problem}`);
      if (joined) {
        handlers.malformed(error);
        return;
      }
      fail(error);
      end();
    };
    let proving = false;
    socket.addEventListener('message', (event: MessageEvent) => {
      lastFrameAt = performance.now();
      if (typeof event.data !== 'string') {
        malformed('a binary frame');
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        malformed('a frame that is not JSON');
        return;
      }
      const checked = checkServerFrame(value);
      if ('problem' in checked) {
        malformed(checked.problem);
        return;
      }
      const { frame } = checked;
      if (frame.type === 'challenge') {
        // Once, before the welcome, and only for a device that sent its key.
        if (joined || proving || !device) {
          malformed('a challenge out of place');
          return;
        }
        proving = true;
        proveDevice(device, frame).then(
          (signature) => send({ type: 'proof', signature }),
          (error: unknown) => {
            fail(
              new ConnectError(
                'ERR_ACCOUNT_SERVER',
                `the device key could not sign: ${String(error)}`,
                {
                  cause: error,
                },
              ),
            );
            end();
          },
        );
        return;
      }
      if (frame.type === 'error') {
        // A fatal error comes just before the close, which then reports its code; before the
        // welcome, any error is about the hello (a malformed one closes with 4400).
        if (ACCOUNT_ERROR_CLOSE[frame.code] !== null || !joined) lastError = frame;
        if (!joined) return;
      }
      if (frame.type === 'welcome' && !joined) {
        clearTimeout(timer);
        const idleMs = frame.idleHeartbeatMs ?? frame.heartbeatMs;
        beat(frame.broadcaster === frame.id ? frame.heartbeatMs : idleMs);
        joined = {
          welcome: frame,
          send,
          leave(forget) {
            if (ended) return;
            send(forget ? { type: 'leave', forget } : { type: 'leave' });
            end();
          },
          close: end,
          setBroadcaster(broadcaster) {
            if (ended) return;
            const every = broadcaster ? frame.heartbeatMs : idleMs;
            if (broadcaster && every !== heartbeatMs) send({ type: 'ping' });
            beat(every);
          },
        };
        resolve(joined);
        return;
      }
      if (joined && !ended) handlers.frame(frame);
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      clearInterval(heartbeat);
      const closed = `the account socket closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`;
      // `cause` as { code } too, for apps written before `serverCode`.
      const error =
        lastError && !joined
          ? new ConnectError('ERR_ACCOUNT_REFUSED', `${lastError.code}: ${lastError.message}`, {
              cause: { code: lastError.code },
              serverCode: lastError.code,
            })
          : new ConnectError(
              'ERR_ACCOUNT_SERVER',
              lastError ? `${lastError.code}: ${lastError.message}; ${closed}` : closed,
              { cause: { code: lastError?.code }, serverCode: lastError?.code },
            );
      if (!joined) fail(error);
      else if (!ended) handlers.closed(error);
      ended = true;
    });
  });
}
