/**
 * Joining again after an instance failover, with tokens that have expired meanwhile: devices
 * (one per user, so no WebRTC is involved) join instance A of two `webrtc-connect serve`
 * processes on one Redis, each with a token function minting 5-second tokens; once every token
 * has expired, A is killed (SIGKILL), and each device's time from the kill to its `rejoined`
 * (welcomed by B with a fresh token) is measured.
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
          token: () => {
            lastExpiry = Date.now() + TOKEN_SECONDS * 1_000;
            return instanceToken(`user-${n}`, `${TOKEN_SECONDS}s`);
          },
        }),
      );
    }
    while (Date.now() < lastExpiry + 1_500) await new Promise((done) => setTimeout(done, 100));
    const rejoined = sessions.map(
      (session) =>
        new Promise<number>((resolve) => {
          session.on('rejoined', () => resolve(performance.now()));
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
    const times = (await Promise.all(rejoined)).map((at) => at - killedAt).sort((x, y) => x - y);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
    console.table({
      [`rejoin after failover, ${DEVICES} devices, tokens expired`]: {
        p50: Math.round(at(0.5)),
        p99: Math.round(at(0.99)),
        max: Math.round(at(1)),
      },
    });
    const targets: Target[] = [
      {
        name: 'rejoin after an instance failover with expired tokens, p99 (ms)',
        value: Math.round(at(0.99)),
        limit: 5_000,
        unit: 'ms',
      },
    ];
    return { devices: DEVICES, times, targets };
  } finally {
    for (const session of sessions) session.leave();
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRejoinFreshTokens();
