import { type ConnectErrorCode, isConnectError } from 'webrtc-connect';

/** The code of the ConnectError `promise` rejects with; anything else fails the test. */
export async function codeOf(promise: Promise<unknown>): Promise<ConnectErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isConnectError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a ConnectError');
}
