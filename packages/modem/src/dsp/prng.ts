/**
 * A small seeded generator (mulberry32) for what sender and receiver must draw alike: the
 * interleaver's permutation and the scrambling signs. Not for anything secret.
 */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..size-1 (Fisher-Yates), the same for the same seed. */
export function seededPermutation(size: number, seed: number): Uint32Array {
  const next = createPrng(seed);
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i += 1) order[i] = i;
  for (let i = size - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}
