import type { AccountState } from './account-types.ts';

/**
 * What moves a device's account session from one state to the next. Every transition is in the
 * table below, and nowhere else: an event a state does not list changes nothing.
 */
export type AccountStep =
  /** Welcomed, or a new epoch, as a client: opening the channel to the broadcaster. */
  | 'client'
  /** Welcomed, or a new epoch, as the broadcaster: connected at once. */
  | 'broadcaster'
  /** The channel to the broadcaster opened. */
  | 'channel-open'
  /** The channel to the broadcaster closed; retrying. */
  | 'channel-closed'
  /** No channel to the broadcaster for 5 s: reported, still retrying. */
  | 'unreachable'
  /** The socket to the server was lost: joining again. */
  | 'socket-lost'
  /** Left, or a refusal joining again cannot cure. */
  | 'end';

export const ACCOUNT_TRANSITIONS: Readonly<
  Record<AccountState, Readonly<Partial<Record<AccountStep, AccountState>>>>
> = {
  connecting: {
    broadcaster: 'connected',
    'channel-open': 'connected',
    unreachable: 'unreachable',
    'socket-lost': 'reconnecting',
    end: 'closed',
  },
  connected: {
    client: 'connecting',
    'channel-closed': 'connecting',
    unreachable: 'unreachable',
    'socket-lost': 'reconnecting',
    end: 'closed',
  },
  unreachable: {
    client: 'connecting',
    broadcaster: 'connected',
    'channel-open': 'connected',
    'socket-lost': 'reconnecting',
    end: 'closed',
  },
  reconnecting: {
    client: 'connecting',
    broadcaster: 'connected',
    end: 'closed',
  },
  closed: {},
};

/** The state after `step`, or the same state when the step does not apply to it. */
export function nextAccountState(state: AccountState, step: AccountStep): AccountState {
  return ACCOUNT_TRANSITIONS[state][step] ?? state;
}
