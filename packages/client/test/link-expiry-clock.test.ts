import { afterEach, describe, expect, it, vi } from 'vitest';
import { MailboxClient } from '../src/link/mailbox-client.ts';

const MINUTE = 60_000;

/** A mailbox whose clock reads `serverNow` and whose offers live ten minutes. */
function mailboxAt(serverNow: number, dateHeader = true) {
  vi.stubGlobal('fetch', async () =>
    Response.json(
      {
        id: 'AAAAAAAAAAAAAAAA',
        ownerToken: 'owner',
        expiresAt: new Date(serverNow + 10 * MINUTE).toISOString(),
      },
      { status: 201, headers: dateHeader ? { date: new Date(serverNow).toUTCString() } : {} },
    ),
  );
  return new MailboxClient('https://mailbox.example');
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("a link's expiry on this device's clock", () => {
  it("moves the server's expiry by how far the clocks disagree", async () => {
    // The server's clock runs 5 minutes behind this device's.
    const posted = await mailboxAt(Date.now() - 5 * MINUTE).reserveOffer();
    // The Date header counts whole seconds: the correction is good to half a second.
    const left = (posted.expiresHere ?? 0) - Date.now();
    expect(Math.abs(left - 10 * MINUTE)).toBeLessThanOrEqual(600);
  });

  it('takes the expiry as it is when the clocks agree within 2 s, or the server does not say', async () => {
    const serverNow = Date.now() - 1200;
    const close = await mailboxAt(serverNow).reserveOffer();
    expect(close.expiresHere).toBe(serverNow + 10 * MINUTE);
    const silent = await mailboxAt(serverNow - 5 * MINUTE, false).reserveOffer();
    expect(silent.expiresHere).toBe(serverNow - 5 * MINUTE + 10 * MINUTE);
  });
});
