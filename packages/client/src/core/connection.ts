import { fingerprintOf, shortAuthenticationString } from '@webrtc-connect/signal';
import { ConnectError } from '../errors.ts';
import { retryMdnsCandidates } from './mdns-retry.ts';

/** Two peers with an open data channel. */
export interface Connection {
  peerConnection: RTCPeerConnection;
  /** The data channel, open. */
  channel: RTCDataChannel;
  /** Six digits both sides show; they differ if someone sits in the middle. */
  shortAuthenticationString: string;
  close(): void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * How long a `failed` state may last before it counts. ICE recovers from `failed` by itself when
 * a check succeeds after all: Chromium as A, given a late answer whose checks (Firefox as B)
 * reached it long before, reports `failed` for about 2 ms and then `connected`.
 */
export const FAILED_GRACE_MS = 5_000;

/** Connections this library closed: a `closed` state on any other was the implementation's. */
const closedHere = new WeakSet<RTCPeerConnection>();

/**
 * Open connections, held until their channel closes or they are closed. Firefox closes an
 * RTCPeerConnection that nothing refers to when it collects garbage, and an app often keeps
 * only the channel (a messenger does): with Chromium as A and Firefox as B, B's connection
 * closed a few seconds after it opened in about one run in four of the suite's sound test.
 */
const held = new Set<RTCPeerConnection>();

function holdWhileOpen(pc: RTCPeerConnection, channel: RTCDataChannel): void {
  held.add(pc);
  channel.addEventListener('close', () => held.delete(pc), { once: true });
}

/** Closes `pc` on the library's behalf (a link's or connection's `close()`, a failed step). */
export function closeConnection(pc: RTCPeerConnection): void {
  closedHere.add(pc);
  held.delete(pc);
  pc.close();
}

/**
 * Resolves when `channel` is open (then with the short authentication string), and fails with
 * ERR_CONNECTION_FAILED when ICE or DTLS fails (and stays failed for `FAILED_GRACE_MS`), or
 * ERR_TIMEOUT, or ERR_CLOSED. `started` is when the wait begins: the timer runs only once both
 * signals are in place.
 */
export function openConnection(
  pc: RTCPeerConnection,
  channel: Promise<RTCDataChannel>,
  started: Promise<unknown>,
  timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failedTimer: ReturnType<typeof setTimeout> | undefined;
    let stopRetrying = () => {};
    let ended = false;
    const cleanup = () => {
      ended = true;
      stopRetrying();
      clearTimeout(timer);
      clearTimeout(failedTimer);
      pc.removeEventListener('connectionstatechange', watch);
    };
    const fail = (error: ConnectError) => {
      cleanup();
      reject(error);
    };
    function watch() {
      if (pc.connectionState !== 'failed') {
        clearTimeout(failedTimer);
        failedTimer = undefined;
      }
      if (pc.connectionState === 'failed') {
        failedTimer ??= setTimeout(
          () =>
            fail(
              new ConnectError(
                'ERR_CONNECTION_FAILED',
                'no network path between the peers (ICE or DTLS failed)',
              ),
            ),
          FAILED_GRACE_MS,
        );
      } else if (pc.connectionState === 'closed') {
        // Browsers reach `closed` only through close(); libdatachannel (node-datachannel) also
        // closes a connection whose ICE or DTLS failed, often before the `failed` event is read.
        fail(
          closedHere.has(pc)
            ? new ConnectError('ERR_CLOSED', 'the connection was closed before it opened')
            : new ConnectError(
                'ERR_CONNECTION_FAILED',
                'the WebRTC implementation closed the connection before it opened (ICE or DTLS failed)',
              ),
        );
      }
    }
    pc.addEventListener('connectionstatechange', watch);
    started.then(
      () => {
        timer = setTimeout(
          () =>
            fail(
              new ConnectError('ERR_TIMEOUT', `the peers did not connect within ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
        if (!ended) stopRetrying = retryMdnsCandidates(pc);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
    // The short authentication string is worked out as soon as both descriptions are in place,
    // before the channel opens, so that `connected` resolves in the same turn as the channel's
    // open event and the app's message handler is in place before any message comes (computed
    // after the open, a message sent at once by the other side could arrive first, unheard).
    // Chromium can open the channel a moment before setRemoteDescription has resolved, so the
    // descriptions are read once `started` resolves, and again at the open if they were not set.
    const early = started.then(() => sasOf(pc)).catch(() => undefined);
    // From the channel's open on, until the app has the connection, messages are held and given
    // again afterwards: the string may still be in WebCrypto's hands (Chromium opens the channel
    // moments after the answer is set; seen: B's first message lost by A in 1 of 3 full runs),
    // and the channel may open before setRemoteDescription has resolved, so holding starts at
    // the open, not once both are done (a message in between had no listener: lost, seen once
    // in the consumer project built with Vite).
    let held: { release(deliver: boolean): void } | undefined;
    const holding = channel.then((open) => {
      held = holdMessages(open);
      return open;
    });
    Promise.all([holding, started])
      .then(async ([open]) => {
        let sas: string;
        try {
          sas = (await early) ?? (await sasOf(pc));
        } catch (error) {
          held?.release(false);
          throw error;
        }
        cleanup();
        holdWhileOpen(pc, open);
        resolve({
          peerConnection: pc,
          channel: open,
          shortAuthenticationString: sas,
          close: () => closeConnection(pc),
        });
        // After the app's reactions to `connected` (promise callbacks) have run.
        setTimeout(() => held?.release(true), 0);
      })
      .catch((error: unknown) => {
        held?.release(false);
        cleanup();
        reject(error);
      });
  });
}

/**
 * Holds the channel's messages (in order) from now until `release`: the listener, added before
 * any of the app's, stops each message from reaching later listeners; `release(true)` gives them
 * again as new events, in order, then lets messages through. Where the platform's channel is no
 * EventTarget, nothing is held.
 */
function holdMessages(channel: RTCDataChannel): { release(deliver: boolean): void } {
  // Browsers' and node-datachannel's channels are EventTargets; @roamhq/wrtc's is not, and
  // neither stops a message for later listeners nor delivers one dispatched to it.
  if (typeof MessageEvent !== 'function' || !(channel instanceof EventTarget)) {
    return { release() {} };
  }
  const held: unknown[] = [];
  let giving = false;
  const hold = (event: Event) => {
    if (giving || typeof event.stopImmediatePropagation !== 'function') return;
    event.stopImmediatePropagation();
    held.push((event as MessageEvent).data);
  };
  channel.addEventListener('message', hold);
  return {
    release(deliver) {
      channel.removeEventListener('message', hold);
      if (!deliver) return;
      giving = true;
      for (const data of held) channel.dispatchEvent(new MessageEvent('message', { data }));
      giving = false;
    },
  };
}

/** The six digits of `pc`'s two descriptions; ERR_CLOSED when one is gone. */
function sasOf(pc: RTCPeerConnection): Promise<string> {
  const local = pc.localDescription;
  const remote = pc.remoteDescription;
  if (!local || !remote)
    return Promise.reject(new ConnectError('ERR_CLOSED', 'the connection lost its descriptions'));
  return shortAuthenticationString(fingerprintOf(local), fingerprintOf(remote));
}

/** The channel once open: one we created, or the first the remote side creates. */
export function whenOpen(pcOrChannel: RTCPeerConnection | RTCDataChannel): Promise<RTCDataChannel> {
  return new Promise((resolve) => {
    const onChannel = (channel: RTCDataChannel) => {
      if (channel.readyState === 'open') resolve(channel);
      else channel.addEventListener('open', () => resolve(channel), { once: true });
    };
    if ('createDataChannel' in pcOrChannel) {
      pcOrChannel.addEventListener('datachannel', (event) => onChannel(event.channel), {
        once: true,
      });
    } else {
      onChannel(pcOrChannel);
    }
  });
}
