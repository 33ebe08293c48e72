/** Maximising a smooth one-dimensional score, as every offset and drift search here does. */

/** Argmax of `f` on a grid, refined by a parabola through the best point and its neighbours. */
export function peakOf(f: (x: number) => number, low: number, high: number, step: number): number {
  const count = Math.round((high - low) / step);
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  const values = new Float64Array(count + 1);
  for (let i = 0; i <= count; i += 1) {
    values[i] = f(low + i * step);
    if (values[i]! > bestValue) {
      bestValue = values[i]!;
      best = i;
    }
  }
  if (best === 0 || best === count) return low + best * step;
  const left = values[best - 1]!;
  const right = values[best + 1]!;
  const curvature = left - 2 * bestValue + right;
  const delta = curvature < 0 ? (0.5 * (left - right)) / curvature : 0;
  return low + (best + Math.max(-0.5, Math.min(0.5, delta))) * step;
}
