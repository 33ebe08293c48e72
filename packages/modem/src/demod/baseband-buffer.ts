/**
 * The receiver's recent baseband, addressed by absolute sample index (0 = the first baseband
 * sample ever produced), so positions found by the detector stay valid as old audio is dropped.
 */
export class BasebandBuffer {
  re = new Float64Array(16384);
  im = new Float64Array(16384);
  /** Absolute index of re[0]. */
  origin = 0;
  /** Samples held, from `origin`. */
  length = 0;

  /** Absolute index one past the newest sample. */
  get end(): number {
    return this.origin + this.length;
  }

  append(re: Float64Array, im: Float64Array): void {
    const needed = this.length + re.length;
    if (needed > this.re.length) {
      const size = Math.max(needed, this.re.length * 2);
      const nextRe = new Float64Array(size);
      const nextIm = new Float64Array(size);
      nextRe.set(this.re.subarray(0, this.length));
      nextIm.set(this.im.subarray(0, this.length));
      this.re = nextRe;
      this.im = nextIm;
    }
    this.re.set(re, this.length);
    this.im.set(im, this.length);
    this.length += re.length;
  }

  /** Forgets everything before absolute index `from`. */
  dropBefore(from: number): void {
    const drop = Math.min(this.length, Math.floor(from) - this.origin);
    if (drop <= 0) return;
    this.re.copyWithin(0, drop, this.length);
    this.im.copyWithin(0, drop, this.length);
    this.origin += drop;
    this.length -= drop;
  }

  /**
   * Copies `count` samples from absolute index `from` into the arrays; samples not held read as
   * silence.
   */
  read(from: number, outRe: Float64Array, outIm: Float64Array, count = outRe.length): void {
    for (let i = 0; i < count; i += 1) {
      const at = from + i - this.origin;
      const inside = at >= 0 && at < this.length;
      outRe[i] = inside ? this.re[at]! : 0;
      outIm[i] = inside ? this.im[at]! : 0;
    }
  }
}
