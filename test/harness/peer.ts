import type { PeerSession, PeerSessionConfig } from './peer-session.ts';
import { withTimeout } from './timeout.ts';

/** A test peer: a Chromium page or a Node WebRTC implementation, driven the same way. */
export interface Peer extends PeerSession {
  /** Names the implementation in failures, e.g. 'chromium' or 'node-datachannel'. */
  readonly label: string;
}

/**
 * Carries a description from one peer to the other: where the codec goes in
 * (`desc => decodeSignal(encodeSignal(desc))`). Branch on `description.type` to treat the offer
 * and the answer differently.
 */
export type Carry = (
  description: RTCSessionDescriptionInit,
) => RTCSessionDescriptionInit | Promise<RTCSessionDescriptionInit>;

export const carryUnchanged: Carry = (description) => description;

export const DEFAULT_PEER_CONFIG: PeerSessionConfig = {
  iceServers: [],
  // In the test namespace gathering completes in well under a second; the cap only matters
  // when a STUN server does not answer.
  gatherTimeoutMs: 10_000,
};

export interface Connection {
  /** The offer as the answerer received it, after `carry`. */
  offer: RTCSessionDescriptionInit;
  /** The answer as the offerer received it, after `carry`. */
  answer: RTCSessionDescriptionInit;
}

/**
 * Connects two peers exchanging only what `carry` lets through, then proves the data channel
 * works both ways with an echo. Rejects, naming the stuck step and both peers' states, if
 * anything takes longer than `timeoutMs`.
 */
export async function connectPeers(
  offerer: Peer,
  answerer: Peer,
  carry: Carry = carryUnchanged,
  timeoutMs = 20_000,
): Promise<Connection> {
  const states = async () =>
    `(${offerer.label}: ${await offerer.describeState()}; ${answerer.label}: ${await answerer.describeState()})`;
  const step = <T>(promise: Promise<T>, what: string) =>
    withTimeout(promise, timeoutMs, `${what} [${offerer.label} -> ${answerer.label}]`, states);

  const offer = await carry(await step(offerer.createOffer(), 'offerer gathers its offer'));
  const answer = await carry(await step(answerer.acceptOffer(offer), 'answerer answers'));
  await step(offerer.acceptAnswer(answer), 'offerer applies the answer');
  await step(Promise.all([offerer.waitOpen(), answerer.waitOpen()]), 'data channel opens');
  const [there, back] = await step(
    Promise.all([
      offerer.sendAndEcho(`hello from ${offerer.label}`),
      answerer.sendAndEcho(`hello from ${answerer.label}`),
    ]),
    'messages echo',
  );
  if (there !== `hello from ${offerer.label}` || back !== `hello from ${answerer.label}`) {
    throw new Error(`echo mismatch: got ${JSON.stringify([there, back])}`);
  }
  return { offer, answer };
}
