import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectError } from 'webrtc-connect';
import { codeOf } from '../../../test/support/error-code.ts';
import { MailboxClient } from '../src/link/mailbox-client.ts';
import { ResumePost } from '../src/resume/resume-post.ts';

// The waits between attempts while the mailbox is out of reach end with what they wait for:
// stopping leaves no timer to hold a process open or to make one more attempt.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const unreachable = () => new ConnectError('ERR_MAILBOX', 'the mailbox cannot be reached');

describe('retry waits', () => {
  it('a resume post closed while its mailbox is out of reach stops at once', async () => {
    const takes = vi.fn(() => Promise.reject(unreachable()));
    const mailbox = { takeResumeSignals: takes } as unknown as MailboxClient;
    const post = new ResumePost(mailbox, 'box', 'a', () => {});
    await post.openBox(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(takes).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);
    post.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(takes).toHaveBeenCalledTimes(1);
  });

  it.each([
    [
      'a resume box wait',
      (mailbox: MailboxClient, signal: AbortSignal) =>
        mailbox.takeResumeSignals('box', 'a', 0, signal),
    ],
    [
      'a reply wait',
      (mailbox: MailboxClient, signal: AbortSignal) =>
        mailbox.waitForReply({ id: 'offer', ownerToken: 'token' } as never, signal),
    ],
  ])('%s stopped between attempts ends at once with ERR_CLOSED', async (_, wait) => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('fetch failed')));
    const stop = new AbortController();
    let ended = false;
    const waiting = wait(new MailboxClient('http://mailbox.test'), stop.signal).finally(() => {
      ended = true;
    });
    const code = codeOf(waiting);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    stop.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(ended).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(await code).toBe('ERR_CLOSED');
  });
});
