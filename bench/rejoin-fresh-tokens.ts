/**
 * Joining again after an instance failover, with tokens that have expired meanwhile: devices
 * (one per user, so no WebRTC is involved) join instance A of two `webrtc-connect serve`
 * processes on one Redis, each with a token function minting 5-second tokens; once every token
 * has expired, A is killed (SIGKILL), and each device's time from the kill to its `rejoined`
 * (welcomed by B with a fresh token) is measured, and to its room listing it alone again (no
 * ghost of its old member, which the dead instance left behind). Twice: with device keys (the
 * default: it comes back under its id, and takes its old member's place at once) and without
 * (`deviceKey: false`: a new id, the old member there until the dead instance is found out).
 *
 *   bash scripts/in-netns.sh npx tsx --conditions=@webrtc-connect/source bench/rejoin-fresh-tokens.ts
 */
import wrtc from '@roamhq/wrtc';
import type { PeerConnectionConstructor } from 'webrtc-connect';
import {
  type AccountSession,
  joinAccount,
  type WebSocketConstructor,
} from 'webrtc-connect/account';
import { WebSocket } from 'ws';
import { startRedisServer } from '../test/harness/redis-server.ts';
import { instanceToken, startInstance } from '../test/harness/server-instances.ts';

const DEVICES = 30;
const TOKEN_SECONDS = 5;
// A device that joins again may first see its own old id, left on the dead instance, as
// broadcaster, and try to reach it: real peer connections, inside the network namespace.
const PeerConnection = wrtc.RTCPeerConnection as unknown as PeerConnectionConstructor;

interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
}

export async function benchRejoinFreshTokens() {
  const withoutKeys = await rejoinRound(false);
  const withKeys = await rejoinRound(true);
  const row = (round: Round) => ({
    'rejoin p50': round.rejoin.p50,
    'rejoin p99': round.rejoin.p99,
    'rejoin max': round.rejoin.max,
    'alone again p50': round.alone.p50,
    'alone again max': round.alone.max,
    'same id': `${round.sameIds}/${DEVICES}`,
  });
  console.table({
    [`${DEVICES} devices, tokens expired, device keys (ms)`]: row(withKeys),
    [`${DEVICES} devices, tokens expired, deviceKey: false (ms)`]: row(withoutKeys),
  });
  const targets: Target[] = [
    {
      name: 'rejoin after an instance failover with expired tokens, p99 (ms)',
      value: withKeys.rejoin.p99,
      limit: 5_000,
      unit: 'ms',
    },
    {
      name: 'room without a ghost of the device after a failover, with device keys, max (ms)',
      value: withKeys.alone.max,
      limit: 5_000,
      unit: 'ms',
    },
  ];
  return { devices: DEVICES, withKeys, withoutKeys, targets };
}

interface Quantiles {
  p50: number;
  p99: number;
  max: number;
}

interface Round {
  rejoin: Quantiles;
  alone: Quantiles;
  sameIds: number;
}

function quantiles(values: number[]): Quantiles {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

async function rejoinRound(deviceKeys: boolean): Promise<Round> {
  const redis = await startRedisServer();
  const args = ['--instance-ttl', '1500', '--jwt-clock-tolerance', '1'];
  const [a, b] = await Promise.all([
    startInstance(redis.url, args),
    startInstance(redis.url, args),
  ]);
  const sessions: AccountSession[] = [];
  try {
    let lastExpiry = 0;
    for (let n = 0; n < DEVICES; n += 1) {
      sessions.push(
        await joinAccount({
          server: [a.url, b.url],
          RTCPeerConnection: PeerConnection,
          WebSocket: WebSocket as unknown as WebSocketConstructor,
          ...(deviceKeys ? {} : { deviceKey: false as const }),
          token: () => {
            lastExpiry = Date.now() + TOKEN_SECONDS * 1_000;
            return instanceToken(`user-${n}`, `${TOKEN_SECONDS}s`);
          },
        }),
      );
    }
    while (Date.now() < lastExpiry + 1_500) await new Promise((done) => setTimeout(done, 100));
    const before = sessions.map((session) => session.id);
    const rejoined = sessions.map(
      (session) =>
        new Promise<number>((resolve) => {
          session.on('rejoined', () => resolve(performance.now()));
        }),
    );
    // Alone again: joined again, and the room lists this device only (each user has one).
    const alone = sessions.map(
      (session, n) =>
        new Promise<number>((resolve) => {
          const check = () => {
            if (session.members.length === 1 && session.members[0]?.id === session.id) {
              resolve(performance.now());
            }
          };
          rejoined[n]?.then(() => {
            check();
            session.on('members', check);
          });
        }),
    );
    const closed = sessions.filter((session) => session.state === 'closed').length;
    if (closed > 0) throw new Error(`${closed} sessions closed before the failover`);
    for (const session of sessions) {
      session.on('error', (error) =>
        console.error(`${session.id}: ${error.code} ${error.message}`),
      );
    }
    const killedAt = performance.now();
    await a.kill();
    const since = (times: number[]) => times.map((at) => at - killedAt);
    const rejoin = quantiles(since(await Promise.all(rejoined)));
    const aloneAgain = quantiles(since(await Promise.all(alone)));
    const sameIds = sessions.filter((session, n) => session.id === before[n]).length;
    return { rejoin, alone: aloneAgain, sameIds };
  } finally {
    for (const session of sessions) session.leave();
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRejoinFreshTokens();
