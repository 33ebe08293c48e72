import { acceptLink, createLink } from 'webrtc-connect/link';
import { settle } from './fake-clock.ts';
import type { FakeDataChannel } from './fake-data-channel.ts';
import { createFakeNetwork } from './fake-peer-connection.ts';

/**
 * Two connected fake peers' open channels (one connection of a session), joined through the
 * link way with no mailbox: for tests of what runs over a channel. Needs the fake clock.
 */
export async function fakeChannelPair(): Promise<readonly [FakeDataChannel, FakeDataChannel]> {
  const { RTCPeerConnection } = createFakeNetwork();
  const invitation = await settle(createLink({ RTCPeerConnection, appUrl: 'https://app.test/' }));
  const acceptance = await settle(
    acceptLink(invitation.link, { RTCPeerConnection, mailbox: null }),
  );
  await settle(invitation.acceptReply(acceptance.answerText));
  const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
  return [
    a.channel as unknown as FakeDataChannel,
    b.channel as unknown as FakeDataChannel,
  ] as const;
}
