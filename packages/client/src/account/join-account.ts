import { checkPeerOptions } from '../core/peer-options.ts';
import { ConnectError } from '../errors.ts';
import { AccountRoom } from './account-room.ts';
import { accountSocketUrl } from './account-socket.ts';
import { checkToken } from './account-tokens.ts';
import type { AccountSession, JoinAccountOptions } from './account-types.ts';
import { deviceIdentity } from './device-key.ts';

/**
 * Joins the room of the token's user: resolves once the server has welcomed this device.
 * Fails with ERR_ACCOUNT_REFUSED (a bad token, a full room, …; the server's code as
 * `serverCode`), ERR_ACCOUNT_SERVER, ERR_ACCOUNT_PROTOCOL, ERR_NO_TOKEN (the token function
 * failed) or ERR_TIMEOUT.
 */
export async function joinAccount(options: JoinAccountOptions): Promise<AccountSession> {
  checkPeerOptions(options);
  checkToken(options.token);
  checkDeviceKey(options.deviceKey);
  const Socket = options.WebSocket ?? globalThis.WebSocket;
  if (typeof Socket !== 'function') {
    throw new ConnectError('ERR_INVALID_OPTIONS', 'no WebSocket here: pass one as WebSocket');
  }
  const servers = typeof options.server === 'string' ? [options.server] : [...options.server];
  if (servers.length === 0) {
    throw new ConnectError('ERR_INVALID_OPTIONS', 'pass the server (or its instances) to join');
  }
  const device = await deviceIdentity(options.deviceKey);
  const room = new AccountRoom(options, Socket, servers.map(accountSocketUrl), device);
  room.start(await room.openFirst());
  return room.session;
}

function checkDeviceKey(key: unknown): void {
  if (key === undefined || key === false) return;
  const pair = key as Partial<CryptoKeyPair> | null;
  if (typeof pair === 'object' && pair?.privateKey && pair.publicKey) return;
  throw new ConnectError('ERR_INVALID_OPTIONS', 'deviceKey must be a CryptoKeyPair, or false');
}
