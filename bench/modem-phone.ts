/**
 * The narrowband profile over a simulated phone call, beside ggwave's protocols that fit the
 * telephone band (DT_FASTEST: npm's ggwave 0.4.0, the latest there, has no MT_*
 * protocols, and DT_FAST, twice as slow, would double the run), through the same channel in the same run: the
 * sender loops a 100-byte frame at 48 kHz into the calling phone (clock 0.05% fast or slow),
 * babble around it at 20, 10 and 5 dB in the telephone band, a codec's round trip (G.711 μ-law,
 * GSM 06.10 full rate, Opus 12 kbit/s VoIP), and the far end joins the loop at a random point
 * and listens at 8 kHz until 0.25 s after the first whole frame.
 */
import { createRequire } from 'node:module';
import { createDemodulators, frameDuration, modulate } from '@webrtc-connect/modem';
import {
  createRandom,
  PHONE_CODECS,
  type PhoneCodec,
  phoneCall,
} from '../packages/modem/test/channel/index.ts';

type PhoneSystemName = 'narrowband' | 'ggwave DT_FASTEST';
const SYSTEMS: PhoneSystemName[] = ['narrowband', 'ggwave DT_FASTEST'];
const SNRS = [20, 10, 5];
const PAYLOAD_BYTES = 100;
const TX_RATE = 48000;
const RX_RATE = 8000;
const BLOCK = 1024;

interface Ggwave {
  getDefaultParameters(): Record<string, unknown>;
  init(parameters: Record<string, unknown>): number;
  free(instance: number): void;
  encode(instance: number, data: Uint8Array, protocol: unknown, volume: number): Int8Array;
  rxToggleProtocol(protocol: unknown, state: number): void;
  decode(instance: number, data: Uint8Array): Int8Array;
  disableLog(): void;
  ProtocolId: Record<string, unknown>;
  SampleFormat: Record<string, unknown>;
}

export interface PhoneCell {
  system: PhoneSystemName;
  codec: PhoneCodec;
  snrDb: number;
  trials: number;
  successes: number;
  wrong: number;
  /** Seconds one copy of the frame takes. */
  airtime: number;
  /** CPU seconds per second of sound the receiver decoded. */
  realTimeFactor: number;
}

interface PhoneSystem {
  frame(payload: Uint8Array): Float32Array;
  /** Payloads heard, and CPU seconds spent, stopping once `payload` is heard. */
  receive(recording: Float32Array, payload: Uint8Array): { heard: Uint8Array[]; seconds: number };
}

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((value, i) => value === b[i]);

function narrowband(): PhoneSystem {
  return {
    frame: (payload) => modulate(payload, { sampleRate: TX_RATE, profile: 'narrowband' }),
    receive(recording, payload) {
      const started = process.hrtime.bigint();
      // Every profile the 8 kHz rate carries, as a listener runs it (narrowband alone here).
      const listener = createDemodulators({ sampleRate: RX_RATE });
      const heard: Uint8Array[] = [];
      for (let i = 0; i < recording.length; i += BLOCK) {
        for (const frame of listener.push(recording.subarray(i, i + BLOCK)))
          heard.push(frame.payload);
        if (heard.some((bytes) => same(bytes, payload))) break;
      }
      return { heard, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    },
  };
}

async function ggwave(protocolName: string): Promise<PhoneSystem> {
  const factory = createRequire(import.meta.url)('ggwave') as (options: object) => Promise<Ggwave>;
  const gg = await factory({ print: () => {}, printErr: () => {} });
  gg.disableLog();
  const protocol = `GGWAVE_PROTOCOL_${protocolName}`;
  const instance = (inputRate: number, outputRate: number) => {
    const parameters = gg.getDefaultParameters();
    parameters.sampleRateInp = inputRate;
    parameters.sampleRateOut = outputRate;
    parameters.sampleRate = 48000;
    parameters.sampleFormatInp = gg.SampleFormat.GGWAVE_SAMPLE_FORMAT_F32;
    parameters.sampleFormatOut = gg.SampleFormat.GGWAVE_SAMPLE_FORMAT_F32;
    for (const [key, id] of Object.entries(gg.ProtocolId))
      if (key.startsWith('GGWAVE_PROTOCOL_')) gg.rxToggleProtocol(id, key === protocol ? 1 : 0);
    return gg.init(parameters);
  };
  return {
    frame(payload) {
      const id = instance(TX_RATE, TX_RATE);
      try {
        const bytes = gg.encode(id, payload, gg.ProtocolId[protocol], 25);
        return new Float32Array(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        );
      } finally {
        gg.free(id);
      }
    },
    receive(recording, payload) {
      const started = process.hrtime.bigint();
      const id = instance(RX_RATE, RX_RATE);
      const heard: Uint8Array[] = [];
      try {
        const bytes = new Uint8Array(recording.buffer, recording.byteOffset, recording.byteLength);
        for (let i = 0; i < bytes.length; i += BLOCK * 4) {
          const decoded = gg.decode(id, bytes.subarray(i, i + BLOCK * 4));
          if (decoded.length > 0) heard.push(Uint8Array.from(decoded, (value) => value & 0xff));
          if (heard.some((got) => same(got, payload))) break;
        }
      } finally {
        gg.free(id);
      }
      return { heard, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    },
  };
}

function runCell(
  name: PhoneSystemName,
  system: PhoneSystem,
  codec: PhoneCodec,
  snrDb: number,
  trials: number,
): PhoneCell {
  let successes = 0;
  let wrong = 0;
  let cpu = 0;
  let sound = 0;
  let airtime = 0;
  for (let trial = 0; trial < trials; trial += 1) {
    const random = createRandom(0x9e0 + 7919 * trial + snrDb);
    const payload = Uint8Array.from({ length: PAYLOAD_BYTES }, () =>
      Math.floor(random.uniform() * 256),
    );
    const frame = system.frame(payload);
    airtime = frame.length / TX_RATE;
    const start = random.between(0, airtime);
    const recording = phoneCall(frame, {
      txRate: TX_RATE,
      clockOffset: random.uniform() < 0.5 ? -5e-4 : 5e-4,
      start,
      duration: 2 * airtime - start + 0.25,
      snrDb,
      codec,
      seed: random.seed(),
    });
    const { heard, seconds } = system.receive(recording, payload);
    if (heard.some((bytes) => same(bytes, payload))) successes += 1;
    wrong += heard.filter((bytes) => !same(bytes, payload)).length;
    cpu += seconds;
    sound += recording.length / RX_RATE;
  }
  return {
    system: name,
    codec,
    snrDb,
    trials,
    successes,
    wrong,
    airtime,
    realTimeFactor: cpu / sound,
  };
}

export interface PhoneBenchResult {
  cells: PhoneCell[];
  targets: Array<{ name: string; value: number; limit: number; unit: string }>;
}

export async function benchModemPhone(
  options: {
    trials?: number;
    /** ggwave's receiver, fed 8 kHz, runs at about a tenth of real time: fewer trials. */
    ggwaveTrials?: number;
    systems?: PhoneSystemName[];
  } = {},
): Promise<PhoneBenchResult> {
  const trials = options.trials ?? 20;
  const only = options.systems ?? SYSTEMS;
  const systems = new Map<PhoneSystemName, PhoneSystem>([
    ['narrowband', narrowband()],
    ['ggwave DT_FASTEST', await ggwave('DT_FASTEST')],
  ]);
  // Warm up the demodulator (JIT) so the first cell's speed is not the compiler's.
  runCell('narrowband', systems.get('narrowband') as PhoneSystem, 'ulaw', 20, 2);
  const cells: PhoneCell[] = [];
  for (const codec of PHONE_CODECS)
    for (const snrDb of SNRS)
      for (const name of only)
        cells.push(
          runCell(
            name,
            systems.get(name) as PhoneSystem,
            codec,
            snrDb,
            name === 'narrowband' ? trials : (options.ggwaveTrials ?? Math.ceil(trials / 2)),
          ),
        );
  console.table(
    cells.map((cell) => ({
      system: cell.system,
      codec: cell.codec,
      'SNR dB': cell.snrDb,
      decoded: `${cell.successes}/${cell.trials}`,
      wrong: cell.wrong,
      'airtime s': cell.airtime.toFixed(2),
      'CPU/s of sound': cell.realTimeFactor.toFixed(4),
    })),
  );
  const ours = cells.filter((cell) => cell.system === 'narrowband');
  const at10 = ours.filter((cell) => cell.snrDb === 10);
  const targets = [
    {
      name: 'narrowband: airtime for 100 B',
      value: frameDuration(PAYLOAD_BYTES, 'narrowband'),
      limit: 3,
      unit: 's',
    },
    {
      name: 'narrowband: payloads lost at 10 dB babble, worst codec',
      value: Math.max(...at10.map((cell) => (100 * (cell.trials - cell.successes)) / cell.trials)),
      limit: 5,
      unit: '%',
    },
    {
      name: 'narrowband: wrong payloads, every cell',
      value: ours.reduce((sum, cell) => sum + cell.wrong, 0),
      limit: 0,
      unit: '',
    },
    {
      name: 'narrowband: real-time factor at 8 kHz, worst cell',
      value: Math.max(...ours.map((cell) => cell.realTimeFactor)),
      limit: 0.05,
      unit: 'CPU s per s',
    },
  ];
  return { cells, targets };
}
