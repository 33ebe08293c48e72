/**
 * The frame's integrity checks. CRC-32C (Castagnoli) guards every payload: it detects every
 * burst of up to 32 bits and, at the lengths a frame carries (up to about 2,100 bits), every
 * pattern of up to 5 bit errors, better than the IEEE polynomial; any other damage passes with
 * probability 2^-32. CRC-8 guards the two-byte header, so a false header is caught cheaply
 * before a whole frame is demodulated for nothing.
 */
let crc32cTable: Uint32Array | undefined;

function table32(): Uint32Array {
  if (crc32cTable) return crc32cTable;
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  crc32cTable = table;
  return table;
}

export function crc32c(bytes: Uint8Array, seed = 0): number {
  const table = table32();
  let crc = ~seed >>> 0;
  for (const byte of bytes) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-8 with the AUTOSAR polynomial 0x2F (Hamming distance 4 up to 119 bits). */
export function crc8(bytes: Uint8Array, seed = 0): number {
  let crc = (seed ^ 0xff) & 0xff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1)
      crc = crc & 0x80 ? ((crc << 1) ^ 0x2f) & 0xff : (crc << 1) & 0xff;
  }
  return crc ^ 0xff;
}
