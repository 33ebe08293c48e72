import {
  ACCOUNT_ERROR_CLOSE,
  ACCOUNT_PATHS,
  ACCOUNT_PROTOCOL_VERSION,
  type AccountErrorFrame,
  type DeviceFrame,
  HELLO_TIMEOUT_MS,
  type ServerFrame,
  type WelcomeFrame,
} from '@webrtc-connect/server/protocol';
import { ConnectError } from '../errors.ts';

/** `WebSocket` of the browser, or of the `ws` package in Node. */
export type WebSocketConstructor = new (url: string) => WebSocket;

/** The device's socket to the account server, joined: frames in and out, heartbeat running. */
export interface AccountSocket {
  welcome: WelcomeFrame;
  send(frame: DeviceFrame): void;
  /** Sends `leave` and closes. */
  leave(): void;
  /** Closes without a word (the server notices the close). */
  close(): void;
}

export interface SocketHandlers {
  frame(frame: ServerFrame): void;
  /** The socket closed after the welcome: `error` says why, when it was not our doing. */
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
 * Opens the socket, sends the hello (the token never goes in the URL), and resolves with the
 * welcome; fails with ERR_ACCOUNT_REFUSED (the server's code in the message and `cause`),
 * ERR_ACCOUNT_SERVER or ERR_TIMEOUT. After the welcome, pings every `heartbeatMs`.
 */
export function openAccountSocket(
  Socket: WebSocketConstructor,
  url: string,
  token: string,
  handlers: SocketHandlers,
): Promise<AccountSocket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket(url);
    let joined: AccountSocket | undefined;
    let lastError: AccountErrorFrame | undefined;
    let ended = false;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
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

    socket.addEventListener('open', () =>
      send({ type: 'hello', version: ACCOUNT_PROTOCOL_VERSION, token }),
    );
    socket.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === 'error') {
        // A fatal error comes just before the close, which then reports its code.
        if (ACCOUNT_ERROR_CLOSE[frame.code] !== null) lastError = frame;
        if (!joined) return;
      }
      if (frame.type === 'welcome' && !joined) {
        clearTimeout(timer);
        heartbeat = setInterval(() => send({ type: 'ping' }), frame.heartbeatMs);
        joined = {
          welcome: frame,
          send,
          leave() {
            if (ended) return;
            send({ type: 'leave' });
            end();
          },
          close: end,
        };
        resolve(joined);
        return;
      }
      if (joined) handlers.frame(frame);
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      clearInterval(heartbeat);
      const closed = `the account socket closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`;
      const error =
        lastError && !joined
          ? new ConnectError('ERR_ACCOUNT_REFUSED', `${lastError.code}: ${lastError.message}`, {
              cause: { code: lastError.code },
            })
          : new ConnectError(
              'ERR_ACCOUNT_SERVER',
              lastError ? `${lastError.code}: ${lastError.message}; ${closed}` : closed,
              { cause: { code: lastError?.code } },
            );
      if (!joined) fail(error);
      else handlers.closed(ended ? undefined : error);
      ended = true;
    });
  });
}
