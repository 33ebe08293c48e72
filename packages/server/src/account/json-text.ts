/**
 * Whether bytes `start` to `end` of `bytes` are one JSON value (RFC 8259, whitespace around it
 * allowed): true exactly when `JSON.parse(bytes.toString('utf8', start, end))` would not throw.
 * A relayed signal's data is opaque to the server, which only has to know that it is JSON;
 * parsing it built objects and strings that were thrown away at once, the largest part of the
 * server's own work for a relayed signal (bench/relay-path.ts). This reads the bytes and keeps
 * nothing but a stack of the open arrays and objects (no recursion, so no depth overflows).
 *
 * Only ASCII bytes mean anything to JSON. A byte of 0x80 or above decodes (as a character, or
 * as U+FFFD when the UTF-8 is broken) to a character JSON allows in a string and nowhere else,
 * and the decoder never turns it into an ASCII one: so bytes, not characters, can be checked.
 */
export function isJsonText(bytes: Uint8Array, start: number, end: number): boolean {
  /** Open containers, innermost last: OBJECT or ARRAY. */
  const open: number[] = [];
  let at = skipSpace(bytes, start, end);
  for (;;) {
    // A value starts at `at`. (Every read checks `end`: the bytes go on after it.)
    if (at >= end) return false;
    const byte = bytes[at];
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      at = skipSpace(bytes, at + 1, end);
      const close = byte === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      if (at < end && bytes[at] === close) {
        at += 1;
      } else {
        open.push(byte === OPEN_BRACE ? OBJECT : ARRAY);
        if (byte === OPEN_BRACE) {
          at = member(bytes, at, end);
          if (at < 0) return false;
        }
        continue;
      }
    } else {
      at = scalar(bytes, at, end);
      if (at < 0) return false;
    }
    // After a value: close what it ends, or go on to the next element or member.
    for (;;) {
      at = skipSpace(bytes, at, end);
      const container = open.at(-1);
      if (container === undefined) return at === end;
      if (at >= end) return false;
      const next = bytes[at];
      if (next === COMMA) {
        at = skipSpace(bytes, at + 1, end);
        if (container === OBJECT) {
          at = member(bytes, at, end);
          if (at < 0) return false;
        }
        break;
      }
      if (next !== (container === OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) return false;
      open.pop();
      at += 1;
    }
  }
}

const OBJECT = 1;
const ARRAY = 2;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** A member's key and colon, from `at` (no space before it); where its value starts, or -1. */
function member(bytes: Uint8Array, at: number, end: number): number {
  if (at >= end || bytes[at] !== QUOTE) return -1;
  const afterKey = string(bytes, at, end);
  if (afterKey < 0) return -1;
  const colon = skipSpace(bytes, afterKey, end);
  if (colon >= end || bytes[colon] !== COLON) return -1;
  return skipSpace(bytes, colon + 1, end);
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
function skipSpace(bytes: Uint8Array, at: number, end: number): number {
  let position = at;
  while (position < end) {
    const byte = bytes[position];
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) break;
    position += 1;
  }
  return position;
}

/** A string, number or literal at `at`: where it ends, or -1. */
function scalar(bytes: Uint8Array, at: number, end: number): number {
  if (at >= end) return -1;
  const byte = bytes[at] as number;
  if (byte === QUOTE) return string(bytes, at, end);
  if (byte === MINUS || (byte >= ZERO && byte <= NINE)) return number(bytes, at, end);
  if (byte === 0x74) return literal(bytes, at, end, TRUE);
  if (byte === 0x66) return literal(bytes, at, end, FALSE);
  if (byte === 0x6e) return literal(bytes, at, end, NULL);
  return -1;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function literal(bytes: Uint8Array, at: number, end: number, word: readonly number[]): number {
  if (at + word.length > end) return -1;
  for (let n = 0; n < word.length; n += 1) if (bytes[at + n] !== word[n]) return -1;
  return at + word.length;
}

/** The string whose opening quote is at `at`: where it ends (after its closing quote), or -1. */
function string(bytes: Uint8Array, at: number, end: number): number {
  let position = at + 1;
  while (position < end) {
    const byte = bytes[position] as number;
    // Most bytes: one look-up.
    if (IN_STRING[byte] === 1) {
      position += 1;
      continue;
    }
    if (byte === QUOTE) return position + 1;
    if (byte < 0x20) return -1;
    if (byte === BACKSLASH) {
      const escaped = bytes[position + 1];
      if (escaped === 0x75) {
        // \uXXXX: four hex digits.
        if (position + 6 > end) return -1;
        for (let n = 2; n < 6; n += 1) if (!isHex(bytes[position + n] as number)) return -1;
        position += 6;
        continue;
      }
      if (escaped === undefined || position + 1 >= end || !SIMPLE_ESCAPES.has(escaped)) return -1;
      position += 2;
      continue;
    }
    position += 1;
  }
  return -1;
}

/** 1 for the bytes a string holds as they are: not a quote, a backslash or a control character. */
const IN_STRING = new Uint8Array(256).fill(1).fill(0, 0, 0x20);
IN_STRING[QUOTE] = 0;
IN_STRING[BACKSLASH] = 0;

/** `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`. */
const SIMPLE_ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

function isHex(byte: number): boolean {
  return (
    (byte >= ZERO && byte <= NINE) ||
    (byte >= 0x61 && byte <= 0x66) ||
    (byte >= 0x41 && byte <= 0x46)
  );
}

/** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at `at`: where it ends, or -1. */
function number(bytes: Uint8Array, at: number, end: number): number {
  let position = at;
  if (bytes[position] === MINUS) position += 1;
  if (position >= end) return -1;
  if (bytes[position] === ZERO) {
    position += 1;
  } else {
    const digits = skipDigits(bytes, position, end);
    if (digits === position) return -1;
    position = digits;
  }
  if (position < end && bytes[position] === DOT) {
    const digits = skipDigits(bytes, position + 1, end);
    if (digits === position + 1) return -1;
    position = digits;
  }
  if (position < end && (bytes[position] === 0x65 || bytes[position] === 0x45)) {
    position += 1;
    if (position < end && (bytes[position] === PLUS || bytes[position] === MINUS)) position += 1;
    const digits = skipDigits(bytes, position, end);
    if (digits === position) return -1;
    position = digits;
  }
  return position;
}

function skipDigits(bytes: Uint8Array, at: number, end: number): number {
  let position = at;
  while (position < end) {
    const byte = bytes[position] as number;
    if (byte < ZERO || byte > NINE) break;
    position += 1;
  }
  return position;
}
