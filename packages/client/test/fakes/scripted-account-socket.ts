import type { RoomMemberView, WelcomeFrame } from '@webrtc-connect/protocol';

/**
 * A WebSocket-like stand-in for an account server, scripted by each test in `answerHello`: it
 * opens a task after it is made and hands every hello the client sends to it. Smaller than the
 * fake account server (fake-account-server.ts), for a test that needs one exact answer: frames
 * in one read, a malformed frame, a server from before some field.
 */
export abstract class ScriptedAccountSocket extends EventTarget {
  readyState = 0;

  constructor(_url: string) {
    super();
    setTimeout(() => {
      this.readyState = 1;
      this.dispatchEvent(new Event('open'));
    });
  }

  send(text: string): void {
    const frame = JSON.parse(text) as { type: string };
    if (frame.type === 'hello') this.answerHello(frame);
  }

  close(): void {
    this.readyState = 3;
  }

  /** What the server does with a hello the client sent. */
  protected abstract answerHello(hello: { type: string; [field: string]: unknown }): void;

  /** Gives `frames` in one read: objects as JSON, strings as they are. */
  protected deliver(...frames: unknown[]): void {
    for (const frame of frames) {
      const data = typeof frame === 'string' ? frame : JSON.stringify(frame);
      this.dispatchEvent(new MessageEvent('message', { data }));
    }
  }

  /** Closes the socket from the server's side (or the network's) with `code`. */
  protected closeWith(code: number): void {
    this.readyState = 3;
    // Node has no CloseEvent: what the client reads of one.
    this.dispatchEvent(Object.assign(new Event('close'), { code, reason: '' }));
  }
}

/** A room member as a scripted server lists it. */
export const member = (
  id: string,
  role: RoomMemberView['role'] = 'broadcaster',
): RoomMemberView => ({
  id,
  role,
  joinedAt: '2030-01-01T00:00:00.000Z',
});

/** The welcome of user `u`'s first device, alone in its room and its broadcaster. */
export const soloWelcome: WelcomeFrame = {
  type: 'welcome',
  id: 'u-client-1',
  user: 'u',
  epoch: 1,
  broadcaster: 'u-client-1',
  members: [member('u-client-1')],
  heartbeatMs: 60_000,
};
