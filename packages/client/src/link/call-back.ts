import { ConnectError } from '../errors.ts';
import type { PostedOffer } from './mailbox-client.ts';

/**
 * A reply code typed late. B cannot see when A applies its answer, and an answerer's ICE does
 * not wait forever: Firefox gives up 5 s after answering when nothing answers its checks (as a
 * Firefox offerer does not before it has the answer). So the reply B leaves under the code of a
 * self-contained link is a call-back, not its answer: an offer slot B reserved in the mailbox,
 * with the slot's owner token, sealed under the link secret. A, having read the code, puts a
 * sealed "ready" into the slot; B, waiting on it, answers then (its first answer if that
 * connection is still alive, else a fresh one) as the reply to the slot, which A takes. Both
 * start their checks at the same moment, however late the code was typed.
 *
 * The slot is used once (one upload, one reply) and everything in it is sealed: the server
 * holds nothing it can read or replay usefully. Both forms start with a byte whose top three
 * bits are 6, which no signal has (signals are format version 1), so an older A refuses them
 * as a signal of an unknown version instead of misreading them.
 */
const CALL_BACK = 0xc1;
const READY = 0xc2;

/** What B's reply under the code holds: the slot A calls back through. */
export function encodeCallBack(slot: PostedOffer): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ i: slot.id, t: slot.ownerToken }));
  const bytes = new Uint8Array(1 + json.length);
  bytes[0] = CALL_BACK;
  bytes.set(json, 1);
  return bytes;
}

/** The slot, when `bytes` (opened) are a call-back; null when they are anything else. */
export function readCallBack(bytes: Uint8Array): PostedOffer | null {
  if (bytes[0] !== CALL_BACK) return null;
  try {
    const { i, t } = JSON.parse(new TextDecoder().decode(bytes.subarray(1))) as {
      i?: unknown;
      t?: unknown;
    };
    if (typeof i === 'string' && typeof t === 'string') {
      return { id: i, ownerToken: t, expiresAt: '' };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ConnectError('ERR_BAD_ANSWER', 'the reply is a call-back that cannot be read');
}

/** What A puts in the slot: it has read the code and waits for the answer. */
export function readyBytes(): Uint8Array {
  return new Uint8Array([READY]);
}

export function isReady(bytes: Uint8Array): boolean {
  return bytes.length === 1 && bytes[0] === READY;
}
