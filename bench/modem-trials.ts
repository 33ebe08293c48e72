/**
 * The channel conditions of the modem benchmark and one group of trials through them. Every
 * system meets the same conditions, defined by the same seeds. A trial: a random 120-byte
 * payload, looped by the sender at one rate (44.1 or 48 kHz) through a speaker into a room,
 * recorded at the other rate with the receiver's clock 0.1% fast or slow, starting at a random
 * point of the loop and listening until 0.25 s after the end of the first whole frame it hears.
 * Success: the payload is among what the receiver returned by then; a wrong payload: anything
 * else it returned. (ggwave's receiver always runs at 48 kHz: see modem-systems.ts.)
 *
 * Cost: the room (a convolution over the whole period) is simulated once per group of trials,
 * with a group's trials differing in noise, start and clock direction: 25 rooms × 8 recordings
 * make 200 trials per system and condition.
 */
import {
  createRandom,
  inBandPower,
  type NoiseColour,
  occupiedBand,
  PHONE_MICROPHONE,
  PHONE_SPEAKER,
  playInRoom,
  record,
} from '../packages/modem/test/channel/index.ts';
import { type SystemName, systemNamed } from './modem-systems.ts';

export interface Condition {
  name: string;
  snrDb?: number;
  noise?: NoiseColour;
  rt60?: number;
  drrDb?: number;
  clipDb?: number;
}

export const CONDITIONS: Condition[] = [
  { name: 'clean (speaker, mic, ±0.1% clock, 44.1↔48 kHz)' },
  { name: 'room 0 dB: white noise, RT60 0.3 s', snrDb: 0, noise: 'white', rt60: 0.3, drrDb: 0 },
  { name: 'room −5 dB: white noise, RT60 0.3 s', snrDb: -5, noise: 'white', rt60: 0.3, drrDb: 0 },
  {
    name: 'room 0 dB: pink noise, RT60 0.3 s, clipped 6 dB',
    snrDb: 0,
    noise: 'pink',
    rt60: 0.3,
    drrDb: 0,
    clipDb: 6,
  },
  {
    name: 'big room +5 dB: white noise, RT60 0.6 s',
    snrDb: 5,
    noise: 'white',
    rt60: 0.6,
    drrDb: -3,
  },
];

export const PAYLOAD_LENGTH = 120;
export const RECORDINGS_PER_ROOM = 8;

export interface GroupTask {
  system: SystemName;
  condition: number;
  room: number;
  recordings: number;
}

export interface TrialOutcome {
  success: boolean;
  wrong: number;
  /** Seconds from the start of listening to the first correct payload. */
  latency: number | null;
  audioSeconds: number;
  decodeSeconds: number;
}

export interface GroupResult extends GroupTask {
  airtime: number;
  band: [number, number];
  outcomes: TrialOutcome[];
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

export function runGroup(task: GroupTask): GroupResult {
  const condition = CONDITIONS[task.condition] as Condition;
  const system = systemNamed(task.system);
  // The same seed for every system: the same payloads, rooms and noise draws.
  const random = createRandom(1_000_003 * (task.condition + 1) + task.room);
  const { txRate, rxRate } = system.rates(task.room);
  const payload = Uint8Array.from({ length: PAYLOAD_LENGTH }, () =>
    Math.floor(random.uniform() * 256),
  );
  const frame = system.frame(payload, txRate);
  const airtime = frame.length / txRate;
  const band = occupiedBand(frame, txRate);
  const period = playInRoom(frame, {
    sampleRate: txRate,
    speaker: PHONE_SPEAKER,
    ...(condition.clipDb === undefined ? {} : { clipDb: condition.clipDb }),
    ...(condition.rt60 === undefined
      ? {}
      : { room: { rt60: condition.rt60, drrDb: condition.drrDb ?? 0 } }),
    seed: random.seed(),
  });
  const signalPower = inBandPower(period, txRate, band);
  const outcomes: TrialOutcome[] = [];
  for (let r = 0; r < task.recordings; r += 1) {
    // Listening starts anywhere in the loop and ends 0.25 s after the first whole frame.
    const start = random.between(0, airtime);
    const duration = 2 * airtime - start + 0.25;
    const recording = record(period, {
      start,
      txRate,
      rxRate,
      clockOffset: r % 2 === 0 ? 1e-3 : -1e-3,
      duration,
      band,
      signalPower,
      ...(condition.snrDb === undefined
        ? {}
        : { snrDb: condition.snrDb, noise: condition.noise ?? 'white' }),
      microphone: PHONE_MICROPHONE,
      seed: random.seed(),
    });
    const right = (bytes: Uint8Array) => same(bytes, payload);
    const { payloads, seconds } = system.receive(recording, rxRate, right);
    const first = payloads.find(({ bytes }) => right(bytes));
    outcomes.push({
      success: first !== undefined,
      wrong: payloads.filter(({ bytes }) => !right(bytes)).length,
      latency: first ? first.at : null,
      audioSeconds: first ? first.at : duration,
      decodeSeconds: seconds,
    });
  }
  return { ...task, airtime, band, outcomes };
}
