import type { Connection } from '../core/connection.ts';
import { ConnectError } from '../errors.ts';
import type { ResumableSession } from './resumable-types.ts';

/** `session.connected()`: the connection now, or the next one; rejects once it is closed. */
export function whenConnected(session: ResumableSession): Promise<Connection> {
  if (session.state === 'closed')
    return Promise.reject(session.closeReason ?? new ConnectError('ERR_CLOSED', 'closed'));
  if (session.state === 'connected' && session.connection)
    return Promise.resolve(session.connection);
  return new Promise((resolve, reject) => {
    const offs = [
      session.on('connection', (connection) => {
        for (const off of offs) off();
        resolve(connection);
      }),
      session.on('state', (state) => {
        if (state === 'connected' && session.connection) {
          for (const off of offs) off();
          resolve(session.connection);
        } else if (state === 'closed') {
          for (const off of offs) off();
          reject(session.closeReason);
        }
      }),
    ];
  });
}
