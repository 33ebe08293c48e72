/**
 * Sound to bytes, streaming: microphone blocks of any size go in, decoded payloads come out.
 * Detection runs on every block; each detected preamble becomes a candidate frame that is
 * synchronised, then has its header read, then its payload, each step as soon as enough sound
 * has arrived. Nothing here blocks or waits; the work per block is bounded.
 *
 * The stages, in order, and where each is: detection (detector.ts); sync search (sync.ts:
 * `synchronize`, made of `symbolTiming`, `blockSlip` and `clockOffset`); reading symbols on the
 * sender's clock (symbol-reader.ts); channel estimation (channel.ts, then square-estimate.ts
 * and decision-estimate.ts); then, in frame-decoder.ts, `demap`, `deinterleave`, decode
 * (Viterbi for the header, turbo for the payload) and the checksums.
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

/**
 * A detected preamble on its way to a frame. Each stage adds what it found: sync search the
 * reader (where the frame starts and the sender's clock), the header the frame's size and
 * channel; the payload stage needs both.
 */
interface Candidate {
  approxStart: number;
  reader?: SymbolReader;
  header?: HeaderFound;
  /** Spectra read so far, by "copy:symbol". */
  spectra: Map<string, Spectrum>;
  /** Own symbols available at the last decoding attempt. */
  attemptedAt: number;
}

/** What reading the header gives the payload stage. */
interface HeaderFound {
  /** Payload bytes. */
  length: number;
  /** Data symbols of the frame. */
  symbols: number;
  /** The loop's period, in the sender's baseband samples. */
  period: number;
  /** The preamble's steady blocks, for the decision-directed channel estimates. */
  preamble: Spectrum[];
  estimate: ChannelEstimate;
}

/** Where a candidate's symbols are read: its reader, and (once known) its loop's period. */
interface Reading {
  candidate: Candidate;
  reader: SymbolReader;
  /** 0 until the header is read; only copy 0 is read before. */
  period: number;
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
  /** Where the first data symbol starts, in the sender's samples from preamble block 0. */
  private readonly dataStart: number;

  constructor(profile: Profile, sampleRate: number) {
    this.profile = profile;
    this.receiver = new BasebandReceiver(sampleRate, profile.centerHz);
    this.detector = new PreambleDetector(profile);
    this.dataStart = (profile.preambleBlocks + 1) * FFT_SIZE + DATA_START;
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

  /**
   * Takes a candidate as far as the sound received allows, stage by stage: sync search, then
   * the header, then the payload (demap, deinterleave, decode, check: frame-decoder.ts).
   */
  private advance(candidate: Candidate): Uint8Array | 'waiting' | 'failed' {
    if (!candidate.reader) {
      const reader = this.searchSync(candidate.approxStart);
      if (!reader) return 'waiting';
      candidate.reader = reader;
    }
    if (!candidate.header) {
      const header = this.readHeader({ candidate, reader: candidate.reader, period: 0 });
      if (header === 'waiting' || header === 'failed') return header;
      candidate.header = header;
    }
    const { reader, header } = candidate;
    return this.readPayload({ candidate, reader, period: header.period }, header);
  }

  /**
   * Sync search (sync.ts: symbol timing, block slip, clock offset), once the buffer holds the
   * whole preamble: a reader of the frame's symbols on the sender's clock.
   */
  private searchSync(approxStart: number): SymbolReader | undefined {
    if (this.buffer.end < approxStart + syncReach(this.profile) + FFT_SIZE / 2) return undefined;
    return new SymbolReader(this.profile, synchronize(this.profile, this.buffer, approxStart));
  }

  /** The channel from the preamble, then the header's payload length from the first symbols. */
  private readHeader(reading: Reading): HeaderFound | 'waiting' | 'failed' {
    const profile = this.profile;
    const blocks = profile.preambleBlocks + 1;
    const lastHeader = this.dataStart + (headerSymbols(profile) - 1) * SYMBOL_LENGTH;
    if (this.buffer.end < reading.reader.reach(lastHeader)) return 'waiting';
    // Blocks 1 to the one before the negated last: block 0 still rings with what the sender
    // played before it, and the negated block with the sign change.
    const preamble: Spectrum[] = [];
    for (let j = 1; j < blocks - 1; j += 1)
      preamble.push(reading.reader.spectrum(this.buffer, j * FFT_SIZE - WINDOW_BACKOFF));
    const estimate = estimateFromPreamble(profile, preamble);
    const first = Array.from({ length: headerSymbols(profile) }, (_, symbol) => ({
      symbol,
      time: symbolTime(profile, symbol),
      y: this.spectrum(reading, 0, symbol),
    }));
    const length = decodeHeader(profile, first, estimate);
    if (length === null) return 'failed';
    this.stats.headers += 1;
    const { symbols } = frameLayout(profile, length);
    return { length, symbols, period: frameLength(profile, symbols), preamble, estimate };
  }

  /**
   * The payload, once the frame is complete, or early with earlier copies of a looped frame
   * every third of it; a complete frame whose payload fails its checks is refused.
   */
  private readPayload(reading: Reading, header: HeaderFound): Uint8Array | 'waiting' | 'failed' {
    const { candidate } = reading;
    const { symbols } = header;
    let own = 0;
    while (own < symbols && this.readable(reading, 0, own)) own += 1;
    const complete = own === symbols;
    const retry = own - candidate.attemptedAt >= Math.ceil(symbols * RETRY_FRACTION);
    if (!complete && !(retry && this.readable(reading, -1, symbols - 1))) return 'waiting';
    candidate.attemptedAt = own;
    const result = decodePayload(
      this.profile,
      header.length,
      header.preamble,
      this.observations(reading, symbols),
      header.estimate,
      complete ? PASSES : RETRY_PASSES,
    );
    if (result.payload) {
      this.stats.frames += 1;
      const lastSymbol = this.dataStart + (symbols - 1) * SYMBOL_LENGTH;
      this.decodedUntil = reading.reader.reach(lastSymbol) - FFT_SIZE;
      return result.payload;
    }
    if (!complete) return 'waiting';
    this.stats.rejected += 1;
    return 'failed';
  }

  private position(reading: Reading, copy: number, symbol: number): number {
    return this.dataStart + symbol * SYMBOL_LENGTH + (copy === 0 ? 0 : copy * reading.period);
  }

  /** Whether the buffer holds symbol `symbol` of the copy `copy` loops away from the candidate. */
  private readable(reading: Reading, copy: number, symbol: number): boolean {
    const position = this.position(reading, copy, symbol);
    return (
      reading.reader.reach(position - FFT_SIZE) - 32 >= this.buffer.origin &&
      reading.reader.reach(position) <= this.buffer.end
    );
  }

  private spectrum(reading: Reading, copy: number, symbol: number): Spectrum {
    const key = `${copy}:${symbol}`;
    const { spectra } = reading.candidate;
    let spectrum = spectra.get(key);
    if (!spectrum) {
      spectrum = reading.reader.spectrum(this.buffer, this.position(reading, copy, symbol));
      spectra.set(key, spectrum);
    }
    return spectrum;
  }

  /** Every data symbol of the candidate, and of earlier copies of it, that the buffer holds. */
  private observations(reading: Reading, symbols: number): Observation[] {
    const out: Observation[] = [];
    for (let copy = -EARLIER_COPIES; copy <= 0; copy += 1) {
      for (let symbol = 0; symbol < symbols; symbol += 1) {
        if (!this.readable(reading, copy, symbol)) continue;
        out.push({
          symbol,
          time: symbolTime(this.profile, symbol, copy, reading.period),
          y: this.spectrum(reading, copy, symbol),
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
