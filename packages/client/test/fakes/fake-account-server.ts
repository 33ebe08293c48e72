/**
 * A scripted account server (docs/account-protocol.md) in memory, with a WebSocket-like class
 * to pass as `joinAccount`'s `WebSocket` option. It speaks the protocol's frames: hello,
 * welcome, room, relayed signals, ping and pong, fatal errors followed by their close code.
 * Tests steer it: refuse the next hellos, cut a device's socket, promote a broadcaster, go down.
 */
import {
  ACCOUNT_ERROR_CLOSE,
  type AccountErrorCode,
  type DeviceFrame,
  type RoomMemberView,
  type ServerFrame,
} from '@webrtc-connect/protocol';

export interface FakeAccountServerOptions {
  /** The user a token signs in (default: the token's text before its first dot). */
  userOf?: (token: string) => string;
  heartbeatMs?: number;
  /** Time for a frame to cross (default 1 ms). */
  latencyMs?: number;
}

interface Room {
  epoch: number;
  broadcaster: string | null;
  members: { id: string; joinedAt: string; socket: { deliver(frame: ServerFrame): void } }[];
  next: number;
}

export function createFakeAccountServer(options: FakeAccountServerOptions = {}) {
  const userOf = options.userOf ?? ((token: string) => token.split('.')[0] ?? token);
  const heartbeatMs = options.heartbeatMs ?? 60_000;
  const latencyMs = options.latencyMs ?? 1;
  const rooms = new Map<string, Room>();
  const refusals: AccountErrorCode[] = [];
  const sockets: Socket[] = [];
  /** Tokens given in hellos, in order. */
  const tokens: string[] = [];
  let down = false;

  const roomOf = (user: string): Room => {
    let room = rooms.get(user);
    if (!room) {
      room = { epoch: 0, broadcaster: null, members: [], next: 0 };
      rooms.set(user, room);
    }
    return room;
  };
  const view = (room: Room) => ({
    epoch: room.epoch,
    broadcaster: room.broadcaster,
    members: room.members.map(
      ({ id, joinedAt }): RoomMemberView => ({
        id,
        joinedAt,
        role: id === room.broadcaster ? 'broadcaster' : 'client',
      }),
    ),
  });
  const announce = (room: Room) => {
    for (const member of room.members) member.socket.deliver({ type: 'room', ...view(room) });
  };
  const remove = (user: string, id: string) => {
    const room = roomOf(user);
    const index = room.members.findIndex((member) => member.id === id);
    if (index < 0) return;
    room.members.splice(index, 1);
    if (room.broadcaster === id) {
      room.broadcaster = room.members[0]?.id ?? null;
      room.epoch += 1;
    }
    announce(room);
  };

  class Socket extends EventTarget {
    readonly url: string;
    readyState = 0;
    id: string | undefined;
    readonly frames: DeviceFrame[] = [];
    #user = '';

    constructor(url: string) {
      super();
      this.url = url;
      sockets.push(this);
      setTimeout(() => {
        if (down) {
          this.#closed(1006, '');
          return;
        }
        this.readyState = 1;
        this.dispatchEvent(new Event('open'));
      }, latencyMs);
    }

    send(text: string): void {
      if (this.readyState !== 1) throw new Error('not open');
      const frame = JSON.parse(text) as DeviceFrame;
      this.frames.push(frame);
      setTimeout(() => this.#receive(frame), latencyMs);
    }

    close(): void {
      if (this.readyState >= 2) return;
      this.readyState = 2;
      setTimeout(() => this.#closed(1000, ''), latencyMs);
    }

    /** A frame from the server, after the latency. */
    deliver(frame: ServerFrame): void {
      setTimeout(() => {
        if (this.readyState !== 1) return;
        this.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(frame) }));
      }, latencyMs);
    }

    /** The server drops this socket (a restart, a network cut): no leave, a 1006 close. */
    cut(): void {
      this.#closed(1006, '');
    }

    #closed(code: number, reason: string): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      if (this.id) remove(this.#user, this.id);
      // Node has no CloseEvent: what the client reads of one.
      this.dispatchEvent(Object.assign(new Event('close'), { code, reason }));
    }

    #refuse(code: AccountErrorCode): void {
      this.deliver({ type: 'error', code, message: `refused: ${code}` });
      const close = ACCOUNT_ERROR_CLOSE[code];
      if (close !== null) setTimeout(() => this.#closed(close, code), latencyMs * 2);
    }

    #receive(frame: DeviceFrame): void {
      if (this.readyState !== 1) return;
      switch (frame.type) {
        case 'hello': {
          tokens.push(frame.token);
          const refusal = refusals.shift();
          if (refusal) {
            this.#refuse(refusal);
            return;
          }
          this.#user = userOf(frame.token);
          const room = roomOf(this.#user);
          room.next += 1;
          const id = `${this.#user}-client-${room.next}`;
          this.id = id;
          room.members.push({ id, joinedAt: new Date().toISOString(), socket: this });
          if (room.broadcaster === null) {
            room.broadcaster = id;
            room.epoch += 1;
          }
          this.deliver({ type: 'welcome', id, user: this.#user, heartbeatMs, ...view(room) });
          for (const member of room.members) {
            if (member.id !== id) member.socket.deliver({ type: 'room', ...view(room) });
          }
          return;
        }
        case 'ping':
          this.deliver({ type: 'pong' });
          return;
        case 'signal': {
          const room = roomOf(this.#user);
          const to = frame.to === `${this.#user}-broadcaster` ? room.broadcaster : frame.to;
          const target = room.members.find((member) => member.id === to && to !== this.id);
          if (!target || !this.id) {
            this.deliver({
              type: 'error',
              code: 'ERR_UNKNOWN_DEVICE',
              message: 'no such device',
            });
            return;
          }
          target.socket.deliver({
            type: 'signal',
            from: this.id,
            epoch: room.epoch,
            data: frame.data,
          });
          return;
        }
        case 'unreachable':
          return;
        case 'leave':
          if (this.id) remove(this.#user, this.id);
          this.id = undefined;
          return;
      }
    }
  }

  return {
    /** Pass as `joinAccount`'s `WebSocket` option. */
    WebSocket: Socket as unknown as new (url: string) => WebSocket,
    sockets: sockets as readonly Socket[],
    tokens,
    /** The room of `user` as its devices see it. */
    room(user: string) {
      return view(roomOf(user));
    },
    /** Refuses the next hellos with these codes, in order. */
    refuse(...codes: AccountErrorCode[]): void {
      refusals.push(...codes);
    },
    /** The open socket of device `id`. */
    socketOf(id: string): Socket {
      const socket = sockets.find((s) => s.id === id && s.readyState === 1);
      if (!socket) throw new Error(`no open socket for ${id}`);
      return socket;
    },
    /** Makes `id` the broadcaster of its room: a new epoch, announced to every member. */
    promote(user: string, id: string): void {
      const room = roomOf(user);
      room.broadcaster = id;
      room.epoch += 1;
      announce(room);
    },
    /** While down, new sockets close at once (1006). */
    setDown(value: boolean): void {
      down = value;
    },
  };
}

export type FakeAccountServer = ReturnType<typeof createFakeAccountServer>;
export type FakeAccountSocket = FakeAccountServer['sockets'][number];
