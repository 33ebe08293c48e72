import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/harness/connect-errors.ts';
import { closeConnection, openConnection } from '../src/core/connection.ts';

/** Just what openConnection reads of a peer connection: its state and the state events. */
class ScriptedConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'connecting';
  localDescription = null;
  remoteDescription = null;

  /** The implementation moves to `state` by itself, as after an ICE or DTLS failure. */
  become(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }

  close(): void {
    this.become('closed');
  }
}

function waitOn(pc: ScriptedConnection) {
  const never = new Promise<RTCDataChannel>(() => {});
  return openConnection(pc as unknown as RTCPeerConnection, never, Promise.resolve(), 60_000);
}

describe('openConnection: how a connection that never opened ends', () => {
  it('fails with ERR_CONNECTION_FAILED when ICE or DTLS fails', async () => {
    const pc = new ScriptedConnection();
    const connected = waitOn(pc);
    pc.become('failed');
    expect(await codeOf(connected)).toBe('ERR_CONNECTION_FAILED');
  });

  it('fails with ERR_CONNECTION_FAILED when the implementation closes it by itself', async () => {
    // libdatachannel closes a connection whose DTLS failed; the `failed` state may be gone by
    // the time its event is read.
    const pc = new ScriptedConnection();
    const connected = waitOn(pc);
    pc.become('closed');
    expect(await codeOf(connected)).toBe('ERR_CONNECTION_FAILED');
  });

  it('fails with ERR_CLOSED when the library closed it', async () => {
    const pc = new ScriptedConnection();
    const connected = waitOn(pc);
    closeConnection(pc as unknown as RTCPeerConnection);
    expect(await codeOf(connected)).toBe('ERR_CLOSED');
  });
});
