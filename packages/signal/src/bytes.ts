import { SignalError } from './errors.ts';

/** Sequential reader over a signal; running past the end is always ERR_TRUNCATED. */
export class ByteReader {
  #offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.#offset;
  }

  u8(what: string): number {
    const value = this.bytes[this.#offset];
    if (value === undefined) throw truncated(what);
    this.#offset += 1;
    return value;
  }

  u16(what: string): number {
    return (this.u8(what) << 8) | this.u8(what);
  }

  take(length: number, what: string): Uint8Array {
    if (this.remaining < length) throw truncated(what);
    const slice = this.bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return slice;
  }

  /** Unsigned LEB128, at most 5 bytes, value below 2^32, and minimal (no redundant zero groups). */
  varint(what: string): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.u8(what);
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (shift > 0 && byte === 0) {
          throw new SignalError('ERR_MALFORMED_FIELD', `${what} is not minimally encoded`);
        }
        if (value > 0xffffffff)
          throw new SignalError('ERR_MALFORMED_FIELD', `${what} is too large`);
        return value;
      }
    }
    throw new SignalError('ERR_MALFORMED_FIELD', `${what} is too long`);
  }
}

export class ByteWriter {
  readonly #chunks: number[] = [];

  u8(value: number): this {
    this.#chunks.push(value & 0xff);
    return this;
  }

  u16(value: number): this {
    return this.u8(value >>> 8).u8(value);
  }

  bytes(values: Uint8Array): this {
    for (const value of values) this.#chunks.push(value);
    return this;
  }

  varint(value: number): this {
    let rest = value;
    while (rest >= 0x80) {
      this.#chunks.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.#chunks.push(rest);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#chunks);
  }
}

function truncated(what: string): SignalError {
  return new SignalError('ERR_TRUNCATED', `the signal ends inside ${what}`);
}
