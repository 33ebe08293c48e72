import { fromLinkText, toLinkText } from '@webrtc-connect/signal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLink, resumeSession } from 'webrtc-connect/link';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { quietResumeBox } from './fakes/fake-mailbox.ts';
import { createFakeNetwork } from './fakes/fake-peer-connection.ts';

beforeEach(() => useFakeClock());
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** The same link as its version 1 form (an older A's): the token's first nibble. */
function asVersion1(link: string): string {
  const [base, fragment = ''] = link.split('#');
  const bytes = fromLinkText(fragment);
  bytes[0] = 0x10 | ((bytes[0] ?? 0) & 0x0f);
  return `${base}#${toLinkText(bytes)}`;
}

interface FakeChannels {
  channels: unknown[];
  negotiated: Map<number, unknown>;
}

/** The data channels of the fresh connection a session resumed from `link` offers. */
async function freshOfferChannels(link: string): Promise<FakeChannels> {
  quietResumeBox();
  const network = createFakeNetwork();
  const { RTCPeerConnection } = network;
  const made = network.connections.length;
  const session = await settle(
    resumeSession(
      {
        version: 1,
        link,
        side: 'b',
        mailbox: 'http://mailbox.test',
        counters: { sent: 0, received: 0 },
      },
      { RTCPeerConnection },
    ),
  );
  await settleWhen(() => network.connections.length > made, { limitMs: 30_000 });
  const offering = network.connections[made] as unknown as FakeChannels;
  session.close();
  return offering;
}

describe("a resumed session's fresh connection", () => {
  it('makes its data channel negotiated (id 0) for a version 2 link, beside the resume channel', async () => {
    const network = createFakeNetwork();
    const invitation = await settle(
      createLink({ RTCPeerConnection: network.RTCPeerConnection, appUrl: 'https://app.test/' }),
    );
    invitation.close();
    const offering = await freshOfferChannels(invitation.link);
    expect(offering.channels).toHaveLength(0);
    expect([...offering.negotiated.keys()].sort((x, y) => x - y)).toEqual([0, 101]);
  });

  it("announces it in band for a version 1 link, which an older side's session knows", async () => {
    const network = createFakeNetwork();
    const invitation = await settle(
      createLink({ RTCPeerConnection: network.RTCPeerConnection, appUrl: 'https://app.test/' }),
    );
    invitation.close();
    const offering = await freshOfferChannels(asVersion1(invitation.link));
    expect(offering.channels).toHaveLength(1);
    expect([...offering.negotiated.keys()]).toEqual([101]);
  });
});
