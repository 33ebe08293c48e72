import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLink, resumeSession } from 'webrtc-connect/link';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeNetwork } from './fakes/fake-peer-connection.ts';

beforeEach(() => useFakeClock());
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** A mailbox whose resume box takes every post and never has anything to give. */
function quietResumeBox(): string[] {
  const posts: string[] = [];
  vi.stubGlobal('fetch', (url: string, init: RequestInit = {}) => {
    if (init.method !== 'GET') {
      posts.push(String(url));
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    return new Promise((_, reject) => {
      init.signal?.addEventListener('abort', () =>
        reject(new DOMException('aborted', 'AbortError')),
      );
    });
  });
  return posts;
}

describe('a resumed session closed at once', () => {
  it('closes the connection it was still offering, and posts nothing more after its bye', async () => {
    const posts = quietResumeBox();
    const network = createFakeNetwork();
    const { RTCPeerConnection } = network;
    const invitation = await settle(createLink({ RTCPeerConnection, appUrl: 'https://app.test/' }));
    invitation.close();
    const made = network.connections.length;
    const session = await settle(
      resumeSession(
        {
          version: 1,
          link: invitation.link,
          side: 'b',
          mailbox: 'http://mailbox.test',
          counters: { sent: 0, received: 0 },
        },
        { RTCPeerConnection },
      ),
    );
    // Still gathering its fresh offer.
    session.close();
    expect(session.state).toBe('closed');
    // Its offer is made (WebCrypto runs in real time: settleWhen waits for it), and closed.
    const offering = () => network.connections.slice(made);
    await settleWhen(
      () => offering().length > 0 && offering().every((pc) => pc.connectionState === 'closed'),
      { limitMs: 30_000 },
    );
    // Past the fresh offer's wait, when a forgotten one would be offered again.
    await settle(new Promise((resolve) => setTimeout(resolve, 40_000)));
    // The bye alone.
    expect(posts).toHaveLength(1);
  });
});
