import type { MailboxSchemas } from '@webrtc-connect/protocol';
import { ServerError } from '../errors.ts';
import type { ResolvedServerOptions } from '../server-options.ts';
import type { LinkState } from '../store/shared-link.ts';
import type { LongPollWaiters } from './long-poll.ts';
import type { MailboxStore, TakeOwnReplyResult } from './mailbox-store.ts';

/** What the mailbox routes share: given to each route plugin as its options. */
export interface MailboxContext {
  store: MailboxStore;
  waiters: LongPollWaiters;
  schemas: MailboxSchemas;
  options: ResolvedServerOptions;
  /** The shared store's link, when there is one (for health). */
  link: { readonly state: LinkState } | undefined;
}

export function expiredError(what: string): ServerError {
  return new ServerError('ERR_EXPIRED', `the ${what} expired`);
}

export function withdrawnError(): ServerError {
  return new ServerError('ERR_OFFER_WITHDRAWN', 'the offer was withdrawn by its owner');
}

export function notFoundError(what: string): ServerError {
  return new ServerError(
    'ERR_NOT_FOUND',
    `no ${what} has this ${what === 'offer' ? 'id' : 'code'}`,
  );
}

/** The error for a reply that could not be taken. */
export function untakenReplyError(
  result: Exclude<TakeOwnReplyResult, { status: 'taken' } | { status: 'pending' }>,
) {
  switch (result.status) {
    case 'withdrawn':
      return withdrawnError();
    case 'already-read':
      return new ServerError('ERR_REPLY_ALREADY_READ', 'the reply was already read');
    case 'expired':
      return expiredError('reply');
    case 'missing':
      return notFoundError('reply');
  }
}

export function mailboxFullError(what: 'offers' | 'replies'): ServerError {
  return new ServerError('ERR_MAILBOX_FULL', `the mailbox holds all the ${what} it may`, {
    retryAfterSeconds: 60,
  });
}

/** A long-poll's `?wait=` in milliseconds: the default when absent, cut to the longest allowed. */
export function waitMs(wait: string | undefined, options: ResolvedServerOptions): number {
  const seconds = wait === undefined ? options.defaultWaitSeconds : Number(wait);
  return Math.min(seconds, options.maxWaitSeconds) * 1000;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
