import type { AccountSession } from 'webrtc-connect/account';
import { encodeFrame, parseFrame } from './account-files.ts';
import { deviceName, onRename, peerDeviceName } from './device-name.ts';

/**
 * A device's name, relayed to the others like any message of the room (docs/account-protocol.md,
 * "Device names"): a binary frame whose header is `{ t: 'name', name, ask? }`. `ask` says "tell
 * me yours": a device sends it when it joins (and joins again, under a new id), and every device
 * that gets it answers with its name. A rename goes out without `ask`.
 */
interface NameHeader {
  t: 'name';
  name: string;
  ask?: true;
}

export interface AccountNames {
  /** Takes a binary message of another device; true when it was a name (nothing else to do). */
  receive(from: string, data: Uint8Array<ArrayBuffer>): boolean;
  /** What a device called itself, if it said. */
  nameOf(id: string): string | undefined;
  /** Stops telling the others of renames (the page signs out). */
  stop(): void;
}

/**
 * Exchanges device names in `session`; `onName` hears each device's name (also a rename). A
 * device's name goes out before anything it sends later, and one sender's messages arrive in
 * order: a device that says its name first is never shown unnamed in the chat.
 */
export function accountNames(
  session: AccountSession,
  onName: (id: string, name: string) => void,
): AccountNames {
  const names = new Map<string, string>();
  let known = new Set(session.members.map((member) => member.id));
  const tell = (ask: boolean, name = deviceName()) => {
    const header: NameHeader = ask ? { t: 'name', name, ask: true } : { t: 'name', name };
    // Not delivered (the session ended, or a device left first): nothing to do about it.
    session.send(encodeFrame(header)).catch(() => {});
  };
  tell(true);
  session.on('rejoined', () => tell(true));
  // Devices that joined since: tell them too, in case their ask crosses this device's name.
  session.on('members', (members) => {
    const now = new Set(members.map((member) => member.id));
    const joined = [...now].some((id) => !known.has(id) && id !== session.id);
    known = now;
    if (joined) tell(false);
  });
  const stopRenaming = onRename((name) => tell(false, name));

  return {
    receive(from, data) {
      const header = parseFrame(data)?.header;
      if (header?.t !== 'name') return false;
      const name = typeof header.name === 'string' ? peerDeviceName(header.name) : undefined;
      if (name !== undefined && names.get(from) !== name) {
        names.set(from, name);
        onName(from, name);
      }
      if (header.ask === true) tell(false);
      return true;
    },
    nameOf: (id) => names.get(id),
    stop: stopRenaming,
  };
}
