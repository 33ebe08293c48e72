import type { RoomFrame } from '@webrtc-connect/protocol';
import { describe, expect, it } from 'vitest';
import { type ConnectError, isConnectError } from 'webrtc-connect';
import type { AccountRejoined, AccountSession, WebSocketConstructor } from 'webrtc-connect/account';
import { WebSocket } from 'ws';
import { member, ScriptedAccountSocket, soloWelcome } from './fakes/scripted-account-socket.ts';
import {
  cuttableSockets,
  nextEvent,
  signedToken,
  useAccountServer,
} from './real-account-server.ts';

const SECRET = 'a secret for the device key tests, 32 bytes or more';
const { server, join } = useAccountServer(SECRET, {
  webSocket: WebSocket as unknown as WebSocketConstructor,
  leave: { forget: true },
});
const token = (user: string) => signedToken(user, SECRET);

function closed(session: AccountSession): Promise<void> {
  return new Promise((resolve) => {
    if (session.state === 'closed') resolve();
    session.on('state', (state) => {
      if (state === 'closed') resolve();
    });
  });
}

const newPair = () =>
  crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);

describe('joinAccount: the device key', () => {
  it('rejoins after a lost socket under the same id (a key in memory by default)', async () => {
    const { url } = await server();
    const sockets = cuttableSockets();
    const session = await join({
      server: url,
      token: await token('mem'),
      WebSocket: sockets.WebSocket,
    });
    expect(session.id).toBe('mem-client-1');
    const rejoined = nextEvent<AccountRejoined>(session, 'rejoined');
    sockets.cut();
    expect(await rejoined).toEqual({ id: 'mem-client-1', previous: 'mem-client-1' });
    expect(session.id).toBe('mem-client-1');
  });

  it('with deviceKey: false, rejoins under a new id', async () => {
    const { url } = await server();
    // A device whose key the room keeps holds the room (and its count of ids) open.
    const kept = await join({
      server: url,
      token: await token('keyless'),
      deviceKey: await newPair(),
    });
    kept.leave();
    const sockets = cuttableSockets();
    const session = await join({
      server: url,
      token: await token('keyless'),
      WebSocket: sockets.WebSocket,
      deviceKey: false,
    });
    expect(session.id).toBe('keyless-client-2');
    const rejoined = nextEvent<AccountRejoined>(session, 'rejoined');
    sockets.cut();
    expect(await rejoined).toEqual({ id: 'keyless-client-3', previous: 'keyless-client-2' });
  });

  it("keeps the id of the app's own key pair across sessions (a process that stores it)", async () => {
    const { url } = await server();
    const [a, b] = [await newPair(), await newPair()];
    const first = await join({ server: url, token: await token('own'), deviceKey: a });
    expect(first.id).toBe('own-client-1');
    // A clean leave of a lasting key keeps its id: a process restarting comes back as itself.
    first.leave();
    const other = await join({ server: url, token: await token('own'), deviceKey: b });
    expect(other.id).toBe('own-client-2');
    other.leave();
    const again = await join({ server: url, token: await token('own'), deviceKey: a });
    expect(again.id).toBe('own-client-1');
    // Leaving with forget: the next session with that key is a new device.
    again.leave({ forget: true });
    const forgotten = await join({ server: url, token: await token('own'), deviceKey: a });
    expect(forgotten.id).toBe('own-client-3');
  });

  it('an older session of the same device ends with ERR_DEVICE_REPLACED as serverCode, and does not fight back', async () => {
    const { url } = await server();
    const deviceKey = await newPair();
    const old = await join({ server: url, token: await token('twice'), deviceKey });
    const errors: ConnectError[] = [];
    old.on('error', (error) => errors.push(error));
    const ended = closed(old);
    const fresh = await join({ server: url, token: await token('twice'), deviceKey });
    expect(fresh.id).toBe('twice-client-1');
    await ended;
    expect(errors.map((error) => [error.code, error.serverCode])).toEqual([
      ['ERR_ACCOUNT_SERVER', 'ERR_DEVICE_REPLACED'],
    ]);
    expect(fresh.state).toBe('connected');
    expect(fresh.members.map((member) => member.id)).toEqual(['twice-client-1']);
  });

  it('refuses a deviceKey that is not a key pair (ERR_INVALID_OPTIONS)', async () => {
    const { url } = await server();
    for (const deviceKey of [true, 'key', {}, null]) {
      const error = await join({
        server: url,
        token: await token('bad'),
        deviceKey: deviceKey as unknown as CryptoKeyPair,
      }).catch((caught: unknown) => caught);
      expect(isConnectError(error) && error.code).toBe('ERR_INVALID_OPTIONS');
    }
  });
});

describe('joinAccount: typed server codes', () => {
  it('a refusal carries the server code as serverCode', async () => {
    const { url } = await server();
    const expired = await signedToken('late', SECRET, -3600);
    const error = await join({ server: url, token: expired }).catch((caught: unknown) => caught);
    expect(isConnectError(error) && [error.code, error.serverCode]).toEqual([
      'ERR_ACCOUNT_REFUSED',
      'ERR_TOKEN_EXPIRED',
    ]);
  });
});

/** A scripted server: answers the hello with `welcome`, then `after`, each frame in a task of its own. */
function scriptedServer(welcome: unknown, after: unknown[] = []): WebSocketConstructor {
  return class extends ScriptedAccountSocket {
    protected override answerHello(): void {
      for (const frame of [welcome, ...after]) setTimeout(() => this.deliver(frame));
    }
  } as unknown as WebSocketConstructor;
}

describe('joinAccount: a server from before device keys', () => {
  it('refuses the hello with a device key (ERR_INVALID_FRAME): the device joins again without one', async () => {
    const hellos: unknown[] = [];
    const OldServer = class extends ScriptedAccountSocket {
      protected override answerHello(hello: { type: string; deviceKey?: unknown }): void {
        hellos.push(hello);
        setTimeout(() => {
          if (hello.deviceKey === undefined) {
            this.deliver(soloWelcome);
            return;
          }
          this.deliver({ type: 'error', code: 'ERR_INVALID_FRAME', message: 'hello: extra field' });
          this.closeWith(4400);
        });
      }
    } as unknown as WebSocketConstructor;
    const session = await join({ server: 'http://old.invalid', token: 't', WebSocket: OldServer });
    expect(session.id).toBe('u-client-1');
    expect(hellos.map((hello) => 'deviceKey' in (hello as object))).toEqual([true, false]);
  });
});

describe('joinAccount: frames from the server are checked', () => {
  it('a malformed welcome fails the join with ERR_ACCOUNT_PROTOCOL, not a crash', async () => {
    const broken = [
      { ...soloWelcome, epoch: 'one' },
      { ...soloWelcome, members: 'all' },
      { ...soloWelcome, extra: true },
      { type: 'welcome' },
      'not json',
      { type: 'surprise' },
    ];
    for (const frame of broken) {
      const error = await join({
        server: 'http://scripted.invalid',
        token: 't',
        WebSocket: scriptedServer(frame),
        deviceKey: false,
      }).catch((caught: unknown) => caught);
      expect(isConnectError(error) && error.code, JSON.stringify(frame)).toBe(
        'ERR_ACCOUNT_PROTOCOL',
      );
    }
  });

  it('a malformed frame after the welcome is an error event and is ignored; the next good one applies', async () => {
    const bad = { type: 'room', epoch: 2, broadcaster: 'u-client-1', members: [{ id: 7 }] };
    const good: RoomFrame = {
      type: 'room',
      epoch: 2,
      broadcaster: 'u-client-1',
      members: [member('u-client-1'), { ...member('u-client-2'), role: 'client' }],
    };
    const errors: ConnectError[] = [];
    const session = await join({
      server: 'http://scripted.invalid',
      token: 't',
      WebSocket: scriptedServer(soloWelcome, [bad, good]),
      deviceKey: false,
    });
    session.on('error', (error) => errors.push(error));
    await new Promise<void>((resolve) => {
      const off = session.on('members', (members) => {
        if (members.length === 2) {
          off();
          resolve();
        }
      });
    });
    expect(errors.map((error) => error.code)).toEqual(['ERR_ACCOUNT_PROTOCOL']);
    expect(session.epoch).toBe(2);
  });
});

describe('joinAccount: the session state', () => {
  it('goes connected → reconnecting → connected when the socket is lost, and closed on leave, with nothing after', async () => {
    let sockets = 0;
    const Flaky = class extends ScriptedAccountSocket {
      constructor(url: string) {
        super(url);
        sockets += 1;
        // The first socket is lost a moment after its welcome.
        if (sockets === 1) setTimeout(() => this.closeWith(1006), 20);
      }
      protected override answerHello(): void {
        setTimeout(() => this.deliver(soloWelcome));
      }
    } as unknown as WebSocketConstructor;
    const session = await join({
      server: 'http://flaky.invalid',
      token: 't',
      WebSocket: Flaky,
      deviceKey: false,
    });
    const states: string[] = [session.state];
    session.on('state', (state) => states.push(state));
    await nextEvent<AccountRejoined>(session, 'rejoined');
    session.leave();
    session.leave();
    expect(states).toEqual(['connected', 'reconnecting', 'connected', 'closed']);
  });
});
