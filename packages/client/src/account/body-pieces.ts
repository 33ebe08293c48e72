import { ConnectError } from '../errors.ts';
import type { MsgFrame } from './account-wire.ts';
import { MAX_ACCOUNT_MESSAGE_BYTES } from './delivery.ts';

/**
 * Largest piece of a binary body on the wire, to a device that takes pieces. Firefox ESR 140
 * receives a data-channel message over about 66,000 bytes wrongly when another follows it
 * closely: the next message overtakes it and it arrives cut short (docs/decisions.md, "The
 * account way's large messages: 64 KiB pieces"). 64 KiB messages arrive whole.
 */
export const PIECE_BYTES = 64 * 1024;

/**
 * A binary body as it goes out: whole to a device that did not say it takes pieces (an older
 * one, which would take the first piece for the whole body), else in pieces of PIECE_BYTES.
 */
export function bodyPieces(
  bytes: Uint8Array<ArrayBuffer>,
  peerTakesPieces: boolean,
): Uint8Array<ArrayBuffer>[] {
  if (!peerTakesPieces || bytes.length <= PIECE_BYTES) return [bytes];
  const pieces: Uint8Array<ArrayBuffer>[] = [];
  // Copies, not views: an implementation may send a view's whole buffer.
  for (let start = 0; start < bytes.length; start += PIECE_BYTES) {
    pieces.push(bytes.slice(start, start + PIECE_BYTES));
  }
  return pieces;
}

/** A binary message whose body is on its way: whole (no `size`), or in pieces up to `size` bytes. */
export interface BodyOnItsWay {
  /** The message's frame, without `size` (relayed on, it is split for each link anew). */
  readonly frame: MsgFrame;
  /** Takes the next binary frame; the whole body once it is complete, else undefined. */
  add(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | undefined;
}

export function bodyOnItsWay(announced: MsgFrame): BodyOnItsWay {
  const { size, ...frame } = announced;
  if (size === undefined) {
    // Checked here too: relayed on, it would go in pieces to devices that refuse its `size`.
    return {
      frame,
      add(bytes) {
        if (bytes.length > MAX_ACCOUNT_MESSAGE_BYTES) {
          throw new ConnectError('ERR_PEER_PROTOCOL', 'a message came larger than allowed');
        }
        return bytes;
      },
    };
  }
  if (size > MAX_ACCOUNT_MESSAGE_BYTES) {
    throw new ConnectError('ERR_PEER_PROTOCOL', 'a message is announced larger than allowed');
  }
  const body = new Uint8Array(size);
  let filled = 0;
  return {
    frame,
    add(bytes) {
      if (filled + bytes.length > size) {
        throw new ConnectError(
          'ERR_PEER_PROTOCOL',
          'a message came with more bytes than announced',
        );
      }
      body.set(bytes, filled);
      filled += bytes.length;
      return filled === size ? body : undefined;
    },
  };
}
