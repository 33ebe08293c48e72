import type { RoomFrame, WelcomeFrame } from '@webrtc-connect/protocol';
import { describe, expect, it } from 'vitest';
import { joinAccount } from 'webrtc-connect/account';

const member = (id: string, role: 'broadcaster' | 'client') => ({
  id,
  role,
  joinedAt: '2030-01-01T00:00:00.000Z',
});

/**
 * A server that answers the hello with its welcome and, in the same read, a newer room frame:
 * what a server that writes a socket's frames of one round together does when a second device
 * joins at once.
 */
class OneReadSocket extends EventTarget {
  readyState = 0;

  constructor(_url: string) {
    super();
    setTimeout(() => {
      this.readyState = 1;
      this.dispatchEvent(new Event('open'));
    });
  }

  send(text: string): void {
    if ((JSON.parse(text) as { type: string }).type !== 'hello') return;
    const welcome: WelcomeFrame = {
      type: 'welcome',
      id: 'u-client-1',
      user: 'u',
      epoch: 1,
      broadcaster: 'u-client-1',
      members: [member('u-client-1', 'broadcaster')],
      heartbeatMs: 60_000,
    };
    const room: RoomFrame = {
      type: 'room',
      epoch: 1,
      broadcaster: 'u-client-1',
      members: [member('u-client-1', 'broadcaster'), member('u-client-2', 'client')],
    };
    for (const frame of [welcome, room]) {
      this.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(frame) }));
    }
  }

  close(): void {
    this.readyState = 3;
    // Node has no CloseEvent: what the client reads of one.
    this.dispatchEvent(Object.assign(new Event('close'), { code: 1000, reason: '' }));
  }
}

describe('joinAccount', () => {
  it('keeps a room frame that came in the same read as the welcome', async () => {
    const session = await joinAccount({
      server: 'http://127.0.0.1:1',
      token: 'a.b.c',
      RTCPeerConnection: class {} as never,
      WebSocket: OneReadSocket as never,
      rejoin: false,
    });
    expect(session.members.map((m) => m.id)).toEqual(['u-client-1', 'u-client-2']);
    session.leave();
  });
});
