/**
 * One device of bench/account-failover.ts in a process of its own (@roamhq/wrtc and `ws`), so
 * that killing the broadcaster kills a real process and one device's stalls do not delay the
 * others. Reports its room over IPC at every change, stamped with the wall clock in ms (the
 * bench compares stamps of several processes); leaves on `{ cmd: 'leave' }`. The token comes in
 * the environment, not on the command line, where every process of the machine could read it.
 *
 *   ACCOUNT_TOKEN=… node --conditions=@webrtc-connect/source --import tsx bench/failover-device.ts <server>
 */
import wrtc from '@roamhq/wrtc';
import type { PeerConnectionConstructor } from 'webrtc-connect';
import { joinAccount, type WebSocketConstructor } from 'webrtc-connect/account';
import { WebSocket } from 'ws';

export interface DeviceReport {
  id: string;
  state: string;
  role: string;
  epoch: number;
  members: number;
  /** performance.timeOrigin + performance.now(): comparable across processes. */
  at: number;
}

const server = process.argv[2];
const token = process.env.ACCOUNT_TOKEN;
if (!server || !token) throw new Error('usage: ACCOUNT_TOKEN=… failover-device.ts <server>');
const session = await joinAccount({
  server,
  token,
  RTCPeerConnection: wrtc.RTCPeerConnection as unknown as PeerConnectionConstructor,
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  // A device taken away stays away: the room's size is the bench's to decide.
  rejoin: false,
});
const report = () =>
  process.send?.({
    id: session.id,
    state: session.state,
    role: session.role,
    epoch: session.epoch,
    members: session.members.length,
    at: performance.timeOrigin + performance.now(),
  } satisfies DeviceReport);
for (const type of ['state', 'role', 'members'] as const) session.on(type, report);
session.on('error', () => {});
report();
process.on('message', (message: { cmd?: string }) => {
  if (message.cmd !== 'leave') return;
  session.leave();
  setTimeout(() => process.exit(0), 200);
});
// The bench went away: so does the device.
process.on('disconnect', () => process.exit(0));
