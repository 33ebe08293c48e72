import { toLinkText } from '@webrtc-connect/signal';
import { ConnectError } from '../errors.ts';

/**
 * Sealing of resume signals (DESIGN §4.5): what two sides of a link send each other to resume
 * a session, through the mailbox's resume box or over their live data channel.
 *
 * Keys come from the link secret by HKDF-SHA-256, one AES-GCM key per sending side, so a
 * signal cannot be reflected back to its sender, and a box id from the same secret, so both
 * sides find the box and the server learns nothing of the secret. Each signal carries its
 * sender's sequence number inside the seal; a receiver takes only numbers above the last it
 * took, so a replayed or reordered signal is refused with ERR_REPLAYED. Its IV is random (96
 * bits): sequence numbers survive a reload only through storage, and a repeated IV under one
 * key must never happen even if storage is lost.
 *
 *   0x31 | IV (12) | AES-GCM( seq u32 | kind u8 | body ) | tag (16)
 *   associated data: "webrtc-connect resume v1" | sender side | box id
 */
export type ResumeSide = 'a' | 'b';

/**
 * What a resume signal says. `until`: until when the session can be resumed (the box's expiry,
 * which only the side that made the box was told), or with an empty body, a question for it.
 */
export type ResumeSignalKind = 'offer' | 'answer' | 'bye' | 'until';

export interface ResumeSignal {
  kind: ResumeSignalKind;
  seq: number;
  /** The encoded description for an offer or answer; empty for a bye. */
  body: Uint8Array;
}

/** The sequence numbers a side keeps (in session storage on a page) to refuse replays. */
export interface ResumeCounters {
  /** The last number this side sent (0: none yet). */
  sent: number;
  /** The highest number taken from the other side (0: none yet). */
  received: number;
}

const FORM = 0x31;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER = new TextEncoder().encode('webrtc-connect resume v1');
const KINDS: readonly ResumeSignalKind[] = ['offer', 'answer', 'bye', 'until'];
const SIDE_BYTE: Record<ResumeSide, number> = { a: 0x61, b: 0x62 };

export function otherSide(side: ResumeSide): ResumeSide {
  return side === 'a' ? 'b' : 'a';
}

/**
 * One side's sealer: seals what it sends under its own key, opens what the other side sent
 * under the other's, and keeps the counters (`onCounters` is told each change, to store them).
 */
export class ResumeSealer {
  readonly side: ResumeSide;
  /** The box id both sides derive: 16 bytes as base64url. */
  readonly boxId: string;
  readonly #keys: Record<ResumeSide, CryptoKey>;
  readonly #boxIdBytes: Uint8Array;
  readonly #counters: ResumeCounters;
  readonly #onCounters: (counters: ResumeCounters) => void;

  private constructor(
    side: ResumeSide,
    boxId: Uint8Array,
    keys: Record<ResumeSide, CryptoKey>,
    counters: ResumeCounters,
    onCounters: (counters: ResumeCounters) => void,
  ) {
    this.side = side;
    this.#boxIdBytes = boxId;
    this.boxId = toLinkText(boxId);
    this.#keys = keys;
    this.#counters = { ...counters };
    this.#onCounters = onCounters;
  }

  /** The sealer of `side` for the link whose secret is `secret`, its counters where they were. */
  static async create(
    secret: Uint8Array,
    side: ResumeSide,
    counters: ResumeCounters = { sent: 0, received: 0 },
    onCounters: (counters: ResumeCounters) => void = () => {},
  ): Promise<ResumeSealer> {
    if (!(secret instanceof Uint8Array) || secret.length < 16 || secret.length > 32)
      throw new ConnectError('ERR_INVALID_ARGUMENT', 'a link secret is 16 to 32 bytes');
    if (side !== 'a' && side !== 'b')
      throw new ConnectError('ERR_INVALID_ARGUMENT', `a resume side is "a" or "b", not ${side}`);
    if (!isCount(counters.sent) || !isCount(counters.received))
      throw new ConnectError('ERR_INVALID_ARGUMENT', 'resume counters are whole numbers');
    const base = await crypto.subtle.importKey('raw', new Uint8Array(secret), 'HKDF', false, [
      'deriveBits',
      'deriveKey',
    ]);
    const derive = (info: string) => ({
      name: 'HKDF',
      hash: 'SHA-256',
      salt: HEADER,
      info: new TextEncoder().encode(info),
    });
    const boxId = new Uint8Array(await crypto.subtle.deriveBits(derive('box id'), base, 128));
    const key = (of: ResumeSide) =>
      crypto.subtle.deriveKey(derive(`key ${of}`), base, { name: 'AES-GCM', length: 128 }, false, [
        'encrypt',
        'decrypt',
      ]);
    const keys = { a: await key('a'), b: await key('b') };
    return new ResumeSealer(side, boxId, keys, counters, onCounters);
  }

  get counters(): ResumeCounters {
    return { ...this.#counters };
  }

  /** Seals the next signal of this side; the number is counted (and stored) before it leaves. */
  async seal(kind: ResumeSignalKind, body: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    return (await this.sealNumbered(kind, body)).sealed;
  }

  /** `seal`, telling the number the signal carries (an answer names the offer's). */
  async sealNumbered(
    kind: ResumeSignalKind,
    body: Uint8Array = new Uint8Array(0),
  ): Promise<{ sealed: Uint8Array; seq: number }> {
    const seq = this.#counters.sent + 1;
    this.#counters.sent = seq;
    this.#onCounters(this.counters);
    const plain = new Uint8Array(5 + body.length);
    new DataView(plain.buffer).setUint32(0, seq);
    plain[4] = KINDS.indexOf(kind);
    plain.set(body, 5);
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: this.#associated(this.side) },
      this.#keys[this.side],
      plain,
    );
    const out = new Uint8Array(1 + IV_BYTES + sealed.byteLength);
    out[0] = FORM;
    out.set(iv, 1);
    out.set(new Uint8Array(sealed), 1 + IV_BYTES);
    return { sealed: out, seq };
  }

  /**
   * Opens a signal of the other side: ERR_FORGED when it does not open under its key (altered,
   * forged, or this side's own signal sent back), ERR_REPLAYED when its number is not above the
   * last one taken, ERR_PEER_PROTOCOL when it opens but makes no sense.
   */
  async open(sealed: Uint8Array): Promise<ResumeSignal> {
    if (sealed[0] !== FORM || sealed.length < 1 + IV_BYTES + TAG_BYTES + 5)
      throw new ConnectError('ERR_FORGED', 'not a sealed resume signal: refused');
    const from = otherSide(this.side);
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(
        await crypto.subtle.decrypt(
          {
            name: 'AES-GCM',
            iv: new Uint8Array(sealed.subarray(1, 1 + IV_BYTES)),
            additionalData: this.#associated(from),
          },
          this.#keys[from],
          new Uint8Array(sealed.subarray(1 + IV_BYTES)),
        ),
      );
    } catch (cause) {
      throw new ConnectError(
        'ERR_FORGED',
        'a resume signal did not open under the link secret: refused',
        { cause },
      );
    }
    const seq = new DataView(plain.buffer).getUint32(0);
    const kind = KINDS[plain[4] ?? 255];
    if (kind === undefined)
      throw new ConnectError('ERR_PEER_PROTOCOL', 'a resume signal of an unknown kind');
    if (seq <= this.#counters.received) {
      throw new ConnectError(
        'ERR_REPLAYED',
        `resume signal ${seq} came after ${this.#counters.received}: replayed or reordered, refused`,
      );
    }
    this.#counters.received = seq;
    this.#onCounters(this.counters);
    return { kind, seq, body: plain.subarray(5) };
  }

  #associated(sender: ResumeSide): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(HEADER.length + 1 + this.#boxIdBytes.length);
    out.set(HEADER);
    out[HEADER.length] = SIDE_BYTE[sender];
    out.set(this.#boxIdBytes, HEADER.length + 1);
    return out;
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 32;
}
