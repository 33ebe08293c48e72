import type { IceServer } from '@webrtc-connect/protocol';
import { ServerError } from '../errors.ts';

const ICE_URL = /^(?:stun|stuns|turn|turns):[^\s]+$/;
/** A TURN server's URL: it needs credentials, given or made. */
export const TURN_URL = /^turns?:/;

/** The list of every URL of a server entry. */
export function urlsOf(server: IceServer): string[] {
  return typeof server.urls === 'string' ? [server.urls] : server.urls;
}

/**
 * Refuses an ICE server list that cannot work, naming the entry: URLs of the stun:, stuns:,
 * turn: or turns: schemes, and TURN servers with their credentials or a secret to make them.
 */
export function checkIceServers(servers: unknown, turnSecret: string | undefined): IceServer[] {
  if (!Array.isArray(servers)) {
    throw new ServerError('ERR_INVALID_CONFIG', 'iceServers must be a list of servers');
  }
  return servers.map((server: unknown, index) => {
    const where = `iceServers[${index}]`;
    if (typeof server !== 'object' || server === null) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        `${where} must be { urls, username?, credential? }`,
      );
    }
    const { urls, username, credential, ...rest } = server as Record<string, unknown>;
    const list = typeof urls === 'string' ? [urls] : urls;
    if (
      Object.keys(rest).length > 0 ||
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((url) => typeof url === 'string' && ICE_URL.test(url))
    ) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        `${where}: urls must be stun:, stuns:, turn: or turns: URLs, and nothing else given but username and credential`,
      );
    }
    for (const [name, value] of [
      ['username', username],
      ['credential', credential],
    ] as const) {
      if (value !== undefined && typeof value !== 'string') {
        throw new ServerError('ERR_INVALID_CONFIG', `${where}.${name} must be a string`);
      }
    }
    const checked: IceServer = { urls: urls as string | string[] };
    if (typeof username === 'string') checked.username = username;
    if (typeof credential === 'string') checked.credential = credential;
    const turn = (list as string[]).some((url) => TURN_URL.test(url));
    if (turn && checked.credential === undefined && turnSecret === undefined) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        `${where} is a TURN server with no credential: give username and credential, or a TURN secret`,
      );
    }
    return checked;
  });
}
