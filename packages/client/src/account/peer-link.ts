import type { JsonValue } from '@webrtc-connect/protocol';
import { retryMdnsCandidates } from '../core/mdns-retry.ts';
import { createPeerConnection, type PeerOptions } from '../core/peer-options.ts';
import { createSendQueue, type SendQueue } from '../core/send-queue.ts';
import { ConnectError, isConnectError } from '../errors.ts';
import { bytesOf, encodePeerFrame, type PeerFrame, parsePeerFrame } from './account-wire.ts';
import { type BodyOnItsWay, bodyOnItsWay, bodyPieces } from './body-pieces.ts';
import type { Parcel } from './delivery.ts';

/**
 * The answering side's first frame. Its `message` listener exists only once the `datachannel`
 * event has run, and libwebrtc can hand over messages before that (they are lost): so the
 * offering side sends nothing until this arrives. Chromium 150 in turn silently drops what the
 * answering side sends in the moment after the channel appears (docs/decisions.md, "The account
 * way's READY, again until the client answers"): so the answering side sends it again, after
 * each of `READY_PAUSES_MS`, until the offering side says anything (a client of this version
 * answers each READY with READY; an older one ignored it), and sends nothing else before.
 */
const READY = '{"k":"ready"}';
/**
 * Pauses after each READY the answering side sends while it has heard nothing (five sends, at
 * 0, 0.1, 0.3, 0.7 and 1.5 s); after the last it goes on regardless, as an older client that
 * has nothing to send never answers.
 */
const READY_PAUSES_MS = [100, 200, 400, 800, 1600] as const;
/** Stop handing frames to the channel while this much waits in its buffer. */
const HIGH_WATER_MARK = 1024 * 1024;

/** What a link reports to the session. */
export interface LinkHandlers {
  /** A signal to pass to the other device through the server. */
  signal(data: JsonValue): void;
  open(): void;
  /** A frame from the other device; a binary message comes whole, its body in `parcel.bytes`. */
  frame(frame: PeerFrame, parcel?: Parcel): void;
  /** The channel closed or the connection failed; called once, never after `close()`. */
  closed(): void;
  error(error: ConnectError): void;
}

/**
 * One ordered data channel between a device and its broadcaster, with signals trickled through
 * the server and a send queue that waits on `bufferedamountlow` instead of flooding the buffer.
 */
export interface PeerLink {
  /** Random, so that signals of an older attempt between the same devices are told apart. */
  readonly id: string;
  readonly peer: string;
  isOpen(): boolean;
  /** A signal from the other device for this link. */
  signal(data: Record<string, JsonValue>): void;
  send(frame: PeerFrame): void;
  /** Sends a message stamped with `epoch` (and its bytes right after, for binary). */
  sendParcel(parcel: Parcel, epoch: number): void;
  close(): void;
}

type Role = { offer: true } | { offer: false; id: string };

export function createPeerLink(
  options: PeerOptions,
  peer: string,
  role: Role,
  handlers: LinkHandlers,
): PeerLink {
  const id = role.offer ? crypto.randomUUID() : role.id;
  const pc = createPeerConnection(options);
  // Frames sent before the channel is adopted (none in practice) wait here for its queue.
  const early: (string | Uint8Array<ArrayBuffer>)[] = [];
  let queue: SendQueue | undefined;
  const earlyCandidates: RTCIceCandidateInit[] = [];
  let channel: RTCDataChannel | undefined;
  let awaitingBytes: BodyOnItsWay | undefined;
  // Whether the other device said, in its description's signal, that it takes binary bodies in
  // pieces (body-pieces.ts); an older one says nothing and gets them whole.
  let peerTakesPieces = false;
  let done = false;
  // Our own flag, not readyState: set when the other side is ready (see READY), and only then
  // do the frames `open` sends go out, so nothing sent earlier can overtake them.
  let opened = false;
  // The other side's mDNS names, asked again while ICE stays `new` (core/connection.ts).
  let stopRetrying: (() => void) | undefined;
  // The answering side's next READY, or its going on without an answer.
  let readyTimer: ReturnType<typeof setTimeout> | undefined;
  // The offerer's candidates can be found before its offer is out: hold them until it is.
  const heldCandidates: JsonValue[] = [];
  let offered = !role.offer;

  const fail = (error: unknown) => {
    if (done) return;
    handlers.error(
      isConnectError(error)
        ? error
        : new ConnectError('ERR_CONNECTION_FAILED', String(error), { cause: error }),
    );
    finish();
  };
  /** Ends everything the link runs: its timers, its queue, its connection. */
  const stop = () => {
    done = true;
    clearTimeout(readyTimer);
    stopRetrying?.();
    queue?.close();
    closeQuietly(pc);
  };
  const finish = () => {
    if (done) return;
    stop();
    handlers.closed();
  };
  const push = (...messages: (string | Uint8Array<ArrayBuffer>)[]) => {
    if (queue) queue.push(...messages);
    else early.push(...messages);
  };
  /** Sends READY on `target`; false when the channel closed under us (then the link is over). */
  const sendReady = (target: RTCDataChannel): boolean => {
    try {
      target.send(READY);
      return true;
    } catch {
      // Closed between its open event and now: the same as its close event.
      finish();
      return false;
    }
  };
  /** The answering side: READY now and after each pause, until the other side speaks. */
  const announce = (target: RTCDataChannel, attempt: number) => {
    if (done || opened || !sendReady(target)) return;
    readyTimer = setTimeout(
      () => (attempt + 1 < READY_PAUSES_MS.length ? announce(target, attempt + 1) : ready()),
      READY_PAUSES_MS[attempt],
    );
  };
  const onMessage = (event: MessageEvent) => {
    // The offering side answers every READY (an older answering side ignores it), then opens.
    if (event.data === READY && role.offer && !done && channel && !sendReady(channel)) return;
    // Whatever comes first from the other side means it is ready: READY from either side, or,
    // when READYs were lost, a frame (an older client's message; an older broadcaster's).
    if (!opened) ready();
    try {
      if (event.data === READY) {
        // Nothing more to do: a READY again, or the other side's answer to ours.
      } else if (typeof event.data === 'string') {
        // A text frame where bytes were due ends that message, before parsing (one that does not
        // parse too): the bytes after it are never taken for this message's. It is lost, and told.
        if (awaitingBytes) {
          awaitingBytes = undefined;
          handlers.error(new ConnectError('ERR_PEER_PROTOCOL', 'a message came without its bytes'));
        }
        const frame = parsePeerFrame(event.data);
        if (frame.k === 'msg' && frame.bin) awaitingBytes = bodyOnItsWay(frame);
        else handlers.frame(frame, frame.k === 'msg' ? { frame } : undefined);
      } else {
        const body = awaitingBytes;
        awaitingBytes = undefined;
        if (!body) throw new ConnectError('ERR_PEER_PROTOCOL', 'bytes of no announced message');
        const bytes = body.add(bytesOf(event.data));
        if (bytes) handlers.frame(body.frame, { frame: body.frame, bytes });
        else awaitingBytes = body;
      }
    } catch (error) {
      if (isConnectError(error)) handlers.error(error);
      else throw error;
    }
  };
  const ready = () => {
    clearTimeout(readyTimer);
    if (done || opened) return;
    opened = true;
    handlers.open();
    queue?.pump();
  };
  const adopt = (adopted: RTCDataChannel) => {
    channel = adopted;
    adopted.binaryType = 'arraybuffer';
    queue = createSendQueue(adopted, {
      highWaterMark: HIGH_WATER_MARK,
      // Only once the other side is ready (see READY), so nothing sent earlier overtakes `open`'s frames.
      canSend: () => !done && opened && adopted.readyState === 'open',
      // The channel died under us (libdatachannel throws "DataChannel is closed" or "Sending
      // failed, errno=104" before its close event arrives, e.g. after the process was frozen):
      // this link is over, as if the close event had come. What it carried stays in its
      // sender's outbox, for the next link to carry.
      onSendFailed: () => finish(),
    });
    queue.push(...early.splice(0));
    adopted.addEventListener('message', onMessage);
    adopted.addEventListener('close', finish);
    const onOpen = () => {
      if (!role.offer) announce(adopted, 0);
    };
    if (adopted.readyState === 'open') onOpen();
    else adopted.addEventListener('open', onOpen, { once: true });
  };

  pc.addEventListener('icecandidate', (event: RTCPeerConnectionIceEvent) => {
    const { candidate } = event;
    if (!candidate || done) return;
    const data: JsonValue = {
      link: id,
      candidate: {
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid ?? null,
        sdpMLineIndex: candidate.sdpMLineIndex ?? null,
      },
    };
    if (offered) handlers.signal(data);
    else heldCandidates.push(data);
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') finish();
  });

  if (role.offer) {
    adopt(pc.createDataChannel('account', { ordered: true }));
    (async () => {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      handlers.signal({ link: id, sdp: { type: 'offer', sdp: offer.sdp ?? '' }, pieces: true });
      offered = true;
      for (const data of heldCandidates.splice(0)) handlers.signal(data);
    })().catch(fail);
  } else {
    pc.addEventListener('datachannel', (event: RTCDataChannelEvent) => adopt(event.channel), {
      once: true,
    });
  }

  const applyDescription = async (sdp: RTCSessionDescriptionInit) => {
    await pc.setRemoteDescription(sdp);
    if (sdp.type === 'offer') {
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      handlers.signal({ link: id, sdp: { type: 'answer', sdp: answer.sdp ?? '' }, pieces: true });
    }
    // Candidates that came before the description can only be added now.
    for (const candidate of earlyCandidates.splice(0)) await pc.addIceCandidate(candidate);
    if (!done) stopRetrying ??= retryMdnsCandidates(pc);
  };

  return {
    id,
    peer,
    isOpen: () => !done && opened && channel?.readyState === 'open',
    signal(data) {
      if (done) return;
      const { sdp, candidate } = data;
      if (isDescription(sdp)) {
        if (sdp.type === (role.offer ? 'answer' : 'offer')) {
          if (data.pieces === true) peerTakesPieces = true;
          applyDescription(sdp).catch(fail);
        }
      } else if (isCandidate(candidate)) {
        if (pc.remoteDescription) pc.addIceCandidate(candidate).catch(() => {});
        else earlyCandidates.push(candidate);
      }
    },
    send(frame) {
      push(encodePeerFrame(frame));
    },
    sendParcel(parcel, epoch) {
      const { bytes } = parcel;
      if (!bytes) {
        push(encodePeerFrame({ ...parcel.frame, epoch }));
        return;
      }
      const pieces = bodyPieces(bytes, peerTakesPieces);
      const size = pieces.length > 1 ? { size: bytes.length } : {};
      push(encodePeerFrame({ ...parcel.frame, epoch, ...size }), ...pieces);
    },
    close() {
      stop();
    },
  };
}

/** Closing is cleanup: an implementation that throws because it is closed already changes nothing. */
function closeQuietly(pc: RTCPeerConnection): void {
  try {
    pc.close();
  } catch {
    // Already closed.
  }
}

function isDescription(value: unknown): value is RTCSessionDescriptionInit {
  if (typeof value !== 'object' || value === null) return false;
  const { type, sdp } = value as Record<string, unknown>;
  return (type === 'offer' || type === 'answer') && typeof sdp === 'string';
}

function isCandidate(value: unknown): value is RTCIceCandidateInit {
  if (typeof value !== 'object' || value === null) return false;
  const { candidate, sdpMid, sdpMLineIndex } = value as Record<string, unknown>;
  return (
    typeof candidate === 'string' &&
    (sdpMid === null || typeof sdpMid === 'string') &&
    (sdpMLineIndex === null || typeof sdpMLineIndex === 'number')
  );
}
