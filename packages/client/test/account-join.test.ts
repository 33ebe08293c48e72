import type { RoomFrame } from '@webrtc-connect/protocol';
import { describe, expect, it } from 'vitest';
import { joinAccount } from 'webrtc-connect/account';
import { member, ScriptedAccountSocket, soloWelcome } from './fakes/scripted-account-socket.ts';

/**
 * A server that answers the hello with its welcome and, in the same read, a newer room frame:
 * what a server that writes a socket's frames of one round together does when a second device
 * joins at once.
 */
class OneReadSocket extends ScriptedAccountSocket {
  protected override answerHello(): void {
    const room: RoomFrame = {
      type: 'room',
      epoch: 1,
      broadcaster: 'u-client-1',
      members: [member('u-client-1', 'broadcaster'), member('u-client-2', 'client')],
    };
    this.deliver(soloWelcome, room);
  }

  override close(): void {
    this.closeWith(1000);
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
