/**
 * The simulator's own FFT and FFT convolution (deliberately not the modem's code: a channel that
 * shared the modem's bugs could hide them).
 */
const twiddles = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function twiddlesOf(n: number): { cos: Float64Array; sin: Float64Array } {
  let table = twiddles.get(n);
  if (!table) {
    table = { cos: new Float64Array(n / 2), sin: new Float64Array(n / 2) };
    for (let i = 0; i < n / 2; i += 1) {
      table.cos[i] = Math.cos((2 * Math.PI * i) / n);
      table.sin[i] = Math.sin((2 * Math.PI * i) / n);
    }
    twiddles.set(n, table);
  }
  return table;
}

export function fftInPlace(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i += 1) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  const { cos, sin } = twiddlesOf(n);
  const sign = inverse ? 1 : -1;
  for (let length = 2; length <= n; length <<= 1) {
    const half = length >> 1;
    const stride = n / length;
    for (let i = 0; i < n; i += length) {
      for (let k = 0; k < half; k += 1) {
        const cr = cos[k * stride] as number;
        const ci = sign * (sin[k * stride] as number);
        const a = i + k;
        const b = a + half;
        const xr = (re[b] as number) * cr - (im[b] as number) * ci;
        const xi = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i += 1) {
      re[i] = (re[i] as number) / n;
      im[i] = (im[i] as number) / n;
    }
  }
}

export function nextPowerOfTwo(value: number): number {
  let size = 1;
  while (size < value) size <<= 1;
  return size;
}

/**
 * Linear convolution of `signal` with `response` (overlap-add), same length as `signal`: the
 * tail past the end is dropped.
 */
export function convolve(signal: Float32Array, response: Float64Array): Float32Array {
  const size = nextPowerOfTwo(Math.max(4 * response.length, 4096));
  const block = size - response.length + 1;
  const hr = new Float64Array(size);
  const hi = new Float64Array(size);
  hr.set(response);
  fftInPlace(hr, hi);
  const out = new Float32Array(signal.length);
  const xr = new Float64Array(size);
  const xi = new Float64Array(size);
  for (let start = 0; start < signal.length; start += block) {
    xr.fill(0);
    xi.fill(0);
    const end = Math.min(signal.length, start + block);
    for (let i = start; i < end; i += 1) xr[i - start] = signal[i] as number;
    fftInPlace(xr, xi);
    for (let k = 0; k < size; k += 1) {
      const r = (xr[k] as number) * (hr[k] as number) - (xi[k] as number) * (hi[k] as number);
      xi[k] = (xr[k] as number) * (hi[k] as number) + (xi[k] as number) * (hr[k] as number);
      xr[k] = r;
    }
    fftInPlace(xr, xi, true);
    for (let i = 0; i < size && start + i < signal.length; i += 1)
      out[start + i] = (out[start + i] as number) + (xr[i] as number);
  }
  return out;
}

/** Mean power of `signal` between `lowHz` and `highHz` (Parseval over 8192-sample segments). */
export function bandPower(
  signal: Float32Array,
  sampleRate: number,
  lowHz: number,
  highHz: number,
): number {
  const size = 8192;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  let total = 0;
  let counted = 0;
  for (let start = 0; start < signal.length; start += size) {
    re.fill(0);
    im.fill(0);
    const end = Math.min(signal.length, start + size);
    for (let i = start; i < end; i += 1) re[i - start] = signal[i] as number;
    fftInPlace(re, im);
    let sum = 0;
    for (let k = 0; k < size; k += 1) {
      const hz = ((k <= size / 2 ? k : size - k) * sampleRate) / size;
      if (hz >= lowHz && hz <= highHz) sum += (re[k] as number) ** 2 + (im[k] as number) ** 2;
    }
    total += sum / size;
    counted += end - start;
  }
  return counted > 0 ? total / counted : 0;
}

/** Power per frequency bin (0 .. rate/2, `size / 2 + 1` bins), averaged over segments. */
export function powerSpectrum(signal: Float32Array, size = 8192): Float64Array {
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  const power = new Float64Array(size / 2 + 1);
  for (let start = 0; start < signal.length; start += size) {
    re.fill(0);
    im.fill(0);
    const end = Math.min(signal.length, start + size);
    for (let i = start; i < end; i += 1) re[i - start] = signal[i] as number;
    fftInPlace(re, im);
    for (let k = 0; k <= size / 2; k += 1) {
      const both = k === 0 || k === size / 2 ? 1 : 2;
      power[k] =
        (power[k] as number) +
        (both * ((re[k] as number) ** 2 + (im[k] as number) ** 2)) / size / signal.length;
    }
  }
  return power;
}
