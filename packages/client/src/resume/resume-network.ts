/**
 * What the runtime tells of this device's network, where it tells anything: the global scope's
 * `offline` and `online` events (a window, or a worker) and a change of
 * `navigator.connection.type` (Chromium on Android and ChromeOS: Wi-Fi to cellular, with no
 * `offline` between). Node has neither, Firefox fires no `online` at a change of network:
 * there the heartbeat and ICE alone tell.
 */
export type NetworkChange = 'offline' | 'online' | 'connection';

/** The part of a window or worker scope read here (all of it may be missing). */
interface NetworkScope {
  addEventListener?: unknown;
  removeEventListener?: unknown;
  navigator?: {
    onLine?: unknown;
    connection?: { type?: unknown; addEventListener?: unknown; removeEventListener?: unknown };
  };
}

type Listen = (type: string, listener: () => void) => void;

/**
 * Tells `onChange` of the network going (`offline`), coming back (`online`, only after an
 * `offline`: a lone one says nothing new) and changing its type (`connection`). Only the type
 * counts: the connection's estimates (rtt, downlink, effectiveType) change with the traffic on
 * an unchanged network. Returns what stops it.
 */
export function watchNetwork(
  onChange: (change: NetworkChange) => void,
  scope: NetworkScope = globalThis as NetworkScope,
): () => void {
  const stops: (() => void)[] = [];
  const listen = (target: object, type: string, listener: () => void) => {
    const { addEventListener: add, removeEventListener: remove } = target as {
      addEventListener?: unknown;
      removeEventListener?: unknown;
    };
    if (typeof add !== 'function' || typeof remove !== 'function') return;
    (add as Listen).call(target, type, listener);
    stops.push(() => (remove as Listen).call(target, type, listener));
  };
  const navigator = scope.navigator;
  if (typeof navigator?.onLine === 'boolean') {
    let wentOffline = false;
    listen(scope, 'offline', () => {
      wentOffline = true;
      onChange('offline');
    });
    listen(scope, 'online', () => {
      if (!wentOffline) return;
      wentOffline = false;
      onChange('online');
    });
  }
  const connection = navigator?.connection;
  if (connection && typeof connection.type === 'string') {
    let type: unknown = connection.type;
    listen(connection, 'change', () => {
      if (connection.type === type) return;
      type = connection.type;
      onChange('connection');
    });
  }
  return () => {
    for (const stop of stops.splice(0)) stop();
  };
}
