/**
 * Reading a synchronised frame: the spectrum of any block or symbol, resampled onto the
 * sender's clock.
 */
import { BASEBAND_RATE, interpolateBaseband } from '../dsp/resample.ts';
import { FFT_SIZE, type Profile } from '../profiles.ts';
import type { BasebandBuffer } from './baseband-buffer.ts';
import { carriersOf, type FrameSync, fft, type Spectrum } from './sync.ts';

/**
 * Spectra of a synchronised frame. Positions count baseband samples of the sender's clock from
 * the start of preamble block 0; each window is interpolated from the receiver's baseband and
 * its carrier offset (the centre frequency times the clock offset) turned back.
 */
export class SymbolReader {
  private readonly profile: Profile;
  private readonly sync: FrameSync;
  private readonly re = new Float64Array(FFT_SIZE);
  private readonly im = new Float64Array(FFT_SIZE);

  constructor(profile: Profile, sync: FrameSync) {
    this.profile = profile;
    this.sync = sync;
  }

  /** Receiver index the window at sender position `position` reaches to (exclusive). */
  reach(position: number): number {
    return this.sync.start + (position + FFT_SIZE) / this.sync.alpha + 16;
  }

  spectrum(buffer: BasebandBuffer, position: number): Spectrum {
    const { start, alpha } = this.sync;
    interpolateBaseband(
      buffer.re,
      buffer.im,
      buffer.origin,
      start + position / alpha,
      1 / alpha,
      this.re,
      this.im,
    );
    const rate = (-2 * Math.PI * this.profile.centerHz * (alpha - 1)) / (BASEBAND_RATE * alpha);
    for (let n = 0; n < FFT_SIZE; n += 1) {
      const phase = rate * (position + n);
      const c = Math.cos(phase);
      const s = Math.sin(phase);
      const xr = this.re[n]!;
      const xi = this.im[n]!;
      this.re[n] = xr * c - xi * s;
      this.im[n] = xr * s + xi * c;
    }
    fft.forward(this.re, this.im);
    return carriersOf(this.profile, this.re, this.im);
  }
}
