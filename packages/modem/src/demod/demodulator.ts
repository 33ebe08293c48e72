/**
 * Sound to bytes, streaming: microphone blocks of any size go in, decoded payloads come out.
 * Detection runs on every block; each detected preamble becomes a candidate frame that is
 * synchronised, then has its header read, then its payload, each step as soon as enough sound
 * has arrived. Nothing here blocks or waits; the work per block is bounded.
 */
import { BasebandReceiver } from '../dsp/resample.ts';
import { ModemError } from '../errors.ts';
import { frameLayout, frameLength, headerSymbols } from '../frame/layout.ts';
import {
  CYCLIC_PREFIX,
  checkSampleRate,
  FFT_SIZE,
  MAX_PAYLOAD,
  type Profile,
  resolveProfile,
  SYMBOL_LENGTH,
  WINDOW_BACKOFF,
} from '../profiles.ts';
import { BasebandBuffer } from './baseband-buffer.ts';
import {
  type ChannelEstimate,
  estimateFromPreamble,
  type Observation,
  symbolTime,
} from './channel.ts';
import { PreambleDetector } from './detector.ts';
import { decodeHeader, decodePayload } from './frame-decoder.ts';
import { SymbolReader } from './symbol-reader.ts';
import { type Spectrum, synchronize, syncReach } from './sync.ts';

export interface DemodulatorOptions {
  /** Samples per second of the microphone. */
  sampleRate: number;
  /** `'fast'` (the default) or `'robust'`: the sender's profile. */
  profile?: string;
}

/** Counters, for tests and benchmarks: how often each stage was reached. */
export interface DemodulatorStats {
  /** Preambles detected (including false alarms on noise). */
  detections: number;
  /** Headers whose CRC-8 held. */
  headers: number;
  /** Payloads returned. */
  frames: number;
  /** Frames whose header held but whose payload failed its CRC-32C: refused, never returned. */
  rejected: number;
}

export interface Demodulator {
  /** Feeds microphone samples; returns the payloads of the frames completed by them. */
  push(samples: Float32Array): Uint8Array[];
  readonly stats: Readonly<DemodulatorStats>;
}

interface Candidate {
  approxStart: number;
  reader?: SymbolReader;
  preamble?: Spectrum[];
  estimate?: ChannelEstimate;
  length?: number;
  symbols?: number;
  /** The loop's period, in the sender's baseband samples. */
  period?: number;
  /** Spectra read so far, by "copy:symbol". */
  spectra: Map<string, Spectrum>;
  /** Own symbols available at the last decoding attempt. */
  attemptedAt: number;
}

/** Candidates waiting at once; more would only be false alarms piling up in loud noise. */
const MAX_CANDIDATES = 6;
/** Earlier copies of a looped frame combined with the current one. */
const EARLIER_COPIES = 2;
/** A frame not yet complete is tried again, with earlier copies, every this fraction of it. */
const RETRY_FRACTION = 1 / 3;
/** Rounds of channel estimation and decoding for a complete frame, and for an early retry. */
const PASSES = 3;
const RETRY_PASSES = 2;
const DATA_START = CYCLIC_PREFIX - WINDOW_BACKOFF;

export function createDemodulator(options: DemodulatorOptions): Demodulator {
  if (typeof options !== 'object' || options === null)
    throw new ModemError('ERR_INVALID_ARGUMENT', 'options must be an object with a sampleRate');
  const profile = resolveProfile(options.profile);
  const sampleRate = checkSampleRate(options.sampleRate, profile);
  return new StreamingDemodulator(profile, sampleRate);
}

class StreamingDemodulator implements Demodulator {
  readonly stats: DemodulatorStats = { detections: 0, headers: 0, frames: 0, rejected: 0 };
  private readonly profile: Profile;
  private readonly receiver: BasebandReceiver;
  private readonly buffer = new BasebandBuffer();
  private readonly detector: PreambleDetector;
  /** Baseband kept for combining: earlier copies of the longest frame. */
  private readonly history: number;
  private candidates: Candidate[] = [];
  /** Detections before this receiver index belong to a frame already decoded. */
  private decodedUntil = Number.NEGATIVE_INFINITY;

  constructor(profile: Profile, sampleRate: number) {
    this.profile = profile;
    this.receiver = new BasebandReceiver(sampleRate, profile.centerHz);
    this.detector = new PreambleDetector(profile);
    const longest = frameLength(profile, frameLayout(profile, MAX_PAYLOAD).symbols);
    this.history = Math.ceil((EARLIER_COPIES + 1.1) * longest);
  }

  push(samples: Float32Array): Uint8Array[] {
    if (!(samples instanceof Float32Array))
      throw new ModemError('ERR_INVALID_ARGUMENT', 'samples must be a Float32Array');
    const { re, im } = this.receiver.push(samples);
    this.buffer.append(re, im);
    for (const detection of this.detector.scan(this.buffer)) {
      this.stats.detections += 1;
      if (detection.start < this.decodedUntil) continue;
      if (this.candidates.length >= MAX_CANDIDATES) this.candidates.shift();
      this.candidates.push({ approxStart: detection.start, spectra: new Map(), attemptedAt: 0 });
    }
    const payloads: Uint8Array[] = [];
    this.candidates = this.candidates.filter((candidate) => {
      if (candidate.approxStart < this.decodedUntil) return false;
      const outcome = this.advance(candidate);
      if (outcome instanceof Uint8Array) payloads.push(outcome);
      return outcome === 'waiting';
    });
    this.forget();
    return payloads;
  }

  /** Takes a candidate as far as the sound received allows. */
  private advance(candidate: Candidate): Uint8Array | 'waiting' | 'failed' {
    const profile = this.profile;
    const blocks = profile.preambleBlocks + 1;
    if (!candidate.reader) {
      if (this.buffer.end < candidate.approxStart + syncReach(profile) + FFT_SIZE / 2)
        return 'waiting';
      const sync = synchronize(profile, this.buffer, candidate.approxStart);
      candidate.reader = new SymbolReader(profile, sync);
    }
    const reader = candidate.reader;
    const dataStart = blocks * FFT_SIZE + DATA_START;
    if (candidate.length === undefined) {
      const lastHeader = dataStart + (headerSymbols(profile) - 1) * SYMBOL_LENGTH;
      if (this.buffer.end < reader.reach(lastHeader)) return 'waiting';
      // Blocks 1 to the one before the negated last: block 0 still rings with what the sender
      // played before it, and the negated block with the sign change.
      const preamble: Spectrum[] = [];
      for (let j = 1; j < blocks - 1; j += 1)
        preamble.push(reader.spectrum(this.buffer, j * FFT_SIZE - WINDOW_BACKOFF));
      const estimate = estimateFromPreamble(profile, preamble);
      const first = Array.from({ length: headerSymbols(profile) }, (_, symbol) => ({
        symbol,
        time: symbolTime(profile, symbol),
        y: this.spectrum(candidate, 0, symbol),
      }));
      const length = decodeHeader(profile, first, estimate);
      if (length === null) return 'failed';
      this.stats.headers += 1;
      const { symbols } = frameLayout(profile, length);
      Object.assign(candidate, {
        preamble,
        estimate,
        length,
        symbols,
        period: frameLength(profile, symbols),
      });
    }
    const symbols = candidate.symbols as number;
    let own = 0;
    while (own < symbols && this.readable(candidate, 0, own)) own += 1;
    const complete = own === symbols;
    const retry = own - candidate.attemptedAt >= Math.ceil(symbols * RETRY_FRACTION);
    if (!complete && !(retry && this.readable(candidate, -1, symbols - 1))) return 'waiting';
    candidate.attemptedAt = own;
    const result = decodePayload(
      profile,
      candidate.length as number,
      candidate.preamble as Spectrum[],
      this.observations(candidate),
      candidate.estimate as ChannelEstimate,
      complete ? PASSES : RETRY_PASSES,
    );
    if (result.payload) {
      this.stats.frames += 1;
      this.decodedUntil = reader.reach(dataStart + (symbols - 1) * SYMBOL_LENGTH) - FFT_SIZE;
      return result.payload;
    }
    if (!complete) return 'waiting';
    this.stats.rejected += 1;
    return 'failed';
  }

  private position(candidate: Candidate, copy: number, symbol: number): number {
    const blocks = this.profile.preambleBlocks + 1;
    return (
      blocks * FFT_SIZE +
      DATA_START +
      symbol * SYMBOL_LENGTH +
      (copy === 0 ? 0 : copy * (candidate.period as number))
    );
  }

  /** Whether the buffer holds symbol `symbol` of the copy `copy` loops away from the candidate. */
  private readable(candidate: Candidate, copy: number, symbol: number): boolean {
    const reader = candidate.reader as SymbolReader;
    const position = this.position(candidate, copy, symbol);
    return (
      reader.reach(position - FFT_SIZE) - 32 >= this.buffer.origin &&
      reader.reach(position) <= this.buffer.end
    );
  }

  private spectrum(candidate: Candidate, copy: number, symbol: number): Spectrum {
    const key = `${copy}:${symbol}`;
    let spectrum = candidate.spectra.get(key);
    if (!spectrum) {
      const reader = candidate.reader as SymbolReader;
      spectrum = reader.spectrum(this.buffer, this.position(candidate, copy, symbol));
      candidate.spectra.set(key, spectrum);
    }
    return spectrum;
  }

  /** Every data symbol of the candidate, and of earlier copies of it, that the buffer holds. */
  private observations(candidate: Candidate): Observation[] {
    const out: Observation[] = [];
    for (let copy = -EARLIER_COPIES; copy <= 0; copy += 1) {
      for (let symbol = 0; symbol < (candidate.symbols as number); symbol += 1) {
        if (!this.readable(candidate, copy, symbol)) continue;
        out.push({
          symbol,
          time: symbolTime(this.profile, symbol, copy, candidate.period as number),
          y: this.spectrum(candidate, copy, symbol),
        });
      }
    }
    return out;
  }

  /** Drops baseband that neither the detector, a waiting candidate nor combining still needs. */
  private forget(): void {
    let keep = Math.min(this.detector.oldestNeeded, this.buffer.end - this.history);
    for (const candidate of this.candidates)
      keep = Math.min(keep, candidate.approxStart - FFT_SIZE);
    this.buffer.dropBefore(keep - FFT_SIZE);
  }
}
