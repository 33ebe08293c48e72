import {
  ACCOUNT_RETRIED_TOKEN_ERRORS,
  type AccountErrorCode,
  isAccountFinalError,
} from '@webrtc-connect/protocol';
import { ConnectError } from '../errors.ts';
import type { AccountToken } from './account-types.ts';

/**
 * Token refusals a moment may cure (ACCOUNT_RETRIED_TOKEN_ERRORS) are retried this many times
 * in a row, then final.
 */
const TOKEN_RETRIES = 3;

export function checkToken(token: unknown): asserts token is AccountToken {
  if (typeof token === 'function' || (typeof token === 'string' && token !== '')) return;
  throw new ConnectError('ERR_INVALID_OPTIONS', 'pass the token to sign in with, or a function');
}

/** The server's code, if the error carries one. */
export function serverCodeOf(error: unknown): AccountErrorCode | undefined {
  return error instanceof ConnectError ? error.serverCode : undefined;
}

/**
 * The token a device joins with, and what the server said of the last ones: the string, or a
 * fresh one from the app's function at every join, told which code refused the one before.
 */
export class AccountTokens {
  #token: AccountToken;
  /** Token refusals since the last welcome, and the last one's code. */
  #refusals = 0;
  #lastRefusal: AccountErrorCode | undefined;

  constructor(token: AccountToken) {
    checkToken(token);
    this.#token = token;
  }

  /** A new token (or function) for every join from now on. */
  set(token: AccountToken): void {
    checkToken(token);
    this.#token = token;
    this.welcomed();
  }

  /** A join worked: the refusals so far are forgiven. */
  welcomed(): void {
    this.#refusals = 0;
    this.#lastRefusal = undefined;
  }

  /** The token for this join: the string, or a fresh one from the app's function. */
  async forJoin(): Promise<string> {
    const source = this.#token;
    if (typeof source === 'string') return source;
    let token: unknown;
    try {
      const refused = this.#lastRefusal;
      token = await source(refused === undefined ? {} : { refused });
    } catch (error) {
      throw new ConnectError('ERR_NO_TOKEN', `the token function failed: ${String(error)}`, {
        cause: error,
      });
    }
    if (typeof token !== 'string' || token === '') {
      throw new ConnectError('ERR_NO_TOKEN', 'the token function gave no token');
    }
    return token;
  }

  /** Counts a failed join's refusal, if it was about the token. */
  refused(error: unknown): void {
    const code = serverCodeOf(error);
    if (code?.startsWith('ERR_TOKEN_')) {
      this.#refusals += 1;
      this.#lastRefusal = code;
    }
  }

  /** Whether joining again after `error` is pointless (the app must sign in anew). */
  isFinal(error: unknown): boolean {
    if (!(error instanceof ConnectError)) return true;
    if (error.code === 'ERR_TIMEOUT' || error.code === 'ERR_NO_TOKEN') return false;
    const code = error.serverCode;
    if (!isAccountFinalError(code)) return false;
    const fresh = typeof this.#token === 'function';
    const curable =
      (ACCOUNT_RETRIED_TOKEN_ERRORS.always as readonly string[]).includes(code) ||
      (fresh && (ACCOUNT_RETRIED_TOKEN_ERRORS.withFreshToken as readonly string[]).includes(code));
    return !curable || this.#refusals > TOKEN_RETRIES;
  }

  /** Refusals that say "later" (keys or store away, a key just rotated): a first join waits them out. */
  saysLater(error: unknown): boolean {
    const code = serverCodeOf(error);
    if (code === undefined) return false;
    return isAccountFinalError(code) ? !this.isFinal(error) : true;
  }
}
