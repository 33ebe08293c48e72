/**
 * The transmission systems the modem benchmark compares, behind one interface: ours (`fast`,
 * `robust`) and ggwave's fastest and most robust audible protocols. ggwave is an Emscripten
 * build: `encode` takes the payload bytes and returns float samples at the instance's output
 * rate; `decode` takes raw sample bytes and returns the payload once a whole message has been
 * heard (its receiver is a stream too, fed here in blocks as a microphone would).
 */
import { createRequire } from 'node:module';
import { createDemodulator, modulate } from '@webrtc-connect/modem';

export type SystemName = 'fast' | 'robust' | 'ggwave-fastest' | 'ggwave-normal';
export const SYSTEMS: SystemName[] = ['fast', 'robust', 'ggwave-fastest', 'ggwave-normal'];

export interface Reception {
  /** Each payload returned, with how many seconds of the recording had been fed by then. */
  payloads: Array<{ bytes: Uint8Array; at: number }>;
  /** Seconds of CPU the receiver spent. */
  seconds: number;
}

export interface TransmissionSystem {
  name: SystemName;
  /** One frame carrying `payload`, as played in a loop, at `sampleRate`. */
  frame(payload: Uint8Array, sampleRate: number): Float32Array;
  /**
   * Feeds a recording to a fresh receiver in microphone-sized blocks, stopping early once
   * `enough` says so (a real receiver stops listening once it has what it waited for).
   */
  receive(
    recording: Float32Array,
    sampleRate: number,
    enough?: (payload: Uint8Array) => boolean,
  ): Reception;
  /** Sample rates its sender and receiver use in a trial whose room index is `room`. */
  rates(room: number): { txRate: number; rxRate: number };
}

const BLOCK = 2048;

function ours(name: 'fast' | 'robust'): TransmissionSystem {
  return {
    name,
    frame: (payload, sampleRate) => modulate(payload, { sampleRate, profile: name }),
    rates: (room) =>
      room % 2 === 0 ? { txRate: 48000, rxRate: 44100 } : { txRate: 44100, rxRate: 48000 },
    receive(recording, sampleRate, enough) {
      const started = process.hrtime.bigint();
      const demodulator = createDemodulator({ sampleRate, profile: name });
      const payloads: Reception['payloads'] = [];
      for (let i = 0; i < recording.length; i += BLOCK) {
        const at = Math.min(recording.length, i + BLOCK) / sampleRate;
        for (const bytes of demodulator.push(recording.subarray(i, i + BLOCK)))
          payloads.push({ bytes, at });
        if (enough && payloads.some(({ bytes }) => enough(bytes))) break;
      }
      return { payloads, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    },
  };
}

interface GgwaveParameters {
  sampleRateInp: number;
  sampleRateOut: number;
  sampleRate: number;
  sampleFormatInp: unknown;
  sampleFormatOut: unknown;
}

interface Ggwave {
  getDefaultParameters(): GgwaveParameters;
  init(parameters: GgwaveParameters): number;
  free(instance: number): void;
  encode(instance: number, data: Uint8Array, protocol: unknown, volume: number): Int8Array;
  rxToggleProtocol(protocol: unknown, state: number): void;
  decode(instance: number, data: Uint8Array): Int8Array;
  disableLog(): void;
  ProtocolId: Record<string, unknown>;
  SampleFormat: Record<string, unknown>;
}

let module: Ggwave | undefined;

/** Loads ggwave's WebAssembly once per thread, with its console output silenced. */
export async function loadGgwave(): Promise<void> {
  if (module) return;
  const factory = createRequire(import.meta.url)('ggwave') as (options: object) => Promise<Ggwave>;
  module = await factory({ print: () => {}, printErr: () => {} });
  module.disableLog();
}

function ggwave(name: 'ggwave-fastest' | 'ggwave-normal'): TransmissionSystem {
  const protocol =
    name === 'ggwave-fastest'
      ? 'GGWAVE_PROTOCOL_AUDIBLE_FASTEST'
      : 'GGWAVE_PROTOCOL_AUDIBLE_NORMAL';
  const instance = (inputRate: number, outputRate: number) => {
    if (!module) throw new Error('call loadGgwave() first');
    const parameters = module.getDefaultParameters();
    parameters.sampleRateInp = inputRate;
    parameters.sampleRateOut = outputRate;
    parameters.sampleRate = 48000;
    parameters.sampleFormatInp = module.SampleFormat.GGWAVE_SAMPLE_FORMAT_F32;
    parameters.sampleFormatOut = module.SampleFormat.GGWAVE_SAMPLE_FORMAT_F32;
    // A receiver listening for the one protocol under test (ggwave listens for all by default,
    // which costs it several times the CPU and gives it more ways to be fooled).
    for (const [key, id] of Object.entries(module.ProtocolId))
      if (key.startsWith('GGWAVE_PROTOCOL_')) module.rxToggleProtocol(id, key === protocol ? 1 : 0);
    return { gg: module, id: module.init(parameters) };
  };
  return {
    name,
    frame(payload, sampleRate) {
      const { gg, id } = instance(sampleRate, sampleRate);
      try {
        const bytes = gg.encode(id, payload, gg.ProtocolId[protocol], 25);
        return new Float32Array(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        );
      } finally {
        gg.free(id);
      }
    },
    // ggwave's receiver works at 48 kHz; fed 44.1 kHz it resamples internally at about a
    // thirtieth of its speed, which would dominate this benchmark's running time. Its sender
    // plays at 44.1 kHz, so the rate mismatch is still there.
    rates: () => ({ txRate: 44100, rxRate: 48000 }),
    receive(recording, sampleRate, enough) {
      const started = process.hrtime.bigint();
      const { gg, id } = instance(sampleRate, sampleRate);
      const payloads: Reception['payloads'] = [];
      try {
        const bytes = new Uint8Array(recording.buffer, recording.byteOffset, recording.byteLength);
        for (let i = 0; i < bytes.length; i += BLOCK * 4) {
          const decoded = gg.decode(id, bytes.subarray(i, i + BLOCK * 4));
          const at = Math.min(bytes.length, i + BLOCK * 4) / 4 / sampleRate;
          if (decoded.length > 0)
            payloads.push({ bytes: Uint8Array.from(decoded, (value) => value & 0xff), at });
          if (enough && payloads.some(({ bytes }) => enough(bytes))) break;
        }
      } finally {
        gg.free(id);
      }
      return { payloads, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    },
  };
}

export function systemNamed(name: SystemName): TransmissionSystem {
  return name === 'fast' || name === 'robust' ? ours(name) : ggwave(name);
}
