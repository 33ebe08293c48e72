import type { Page } from 'playwright-core';
import { assertPrivateNetns } from './netns.ts';
import { DEFAULT_PEER_CONFIG, type Peer } from './peer.ts';
import { createPeerSession, type PeerSession, type PeerSessionConfig } from './peer-session.ts';

/** Where the session lives inside the page; one peer per page, like one per browser tab. */
interface PageGlobal {
  webrtcConnectPeer: PeerSession;
}

/** Turns a Chromium page (from launchChromium's newPage) into a Peer using its RTCPeerConnection. */
export async function createPagePeer(
  page: Page,
  options: { label?: string; config?: Partial<PeerSessionConfig> } = {},
): Promise<Peer> {
  assertPrivateNetns();
  const config: PeerSessionConfig = { ...DEFAULT_PEER_CONFIG, ...options.config };
  // The factory's own source text, so pages and Node peers run the very same session logic.
  await page.evaluate(
    `globalThis.webrtcConnectPeer = (${createPeerSession.toString()})(RTCPeerConnection, ${JSON.stringify(config)}); undefined`,
  );
  return {
    label: options.label ?? 'chromium',
    createOffer: () => callInPage(page, 'createOffer'),
    acceptOffer: (offer) => callInPage(page, 'acceptOffer', offer),
    acceptAnswer: (answer) => callInPage(page, 'acceptAnswer', answer),
    waitOpen: () => callInPage(page, 'waitOpen'),
    sendAndEcho: (text) => callInPage(page, 'sendAndEcho', text),
    selectedPair: () => callInPage(page, 'selectedPair'),
    describeState: () => callInPage(page, 'describeState'),
    close: async () => {
      if (!page.isClosed()) await callInPage(page, 'close');
    },
  };
}

function callInPage<M extends keyof PeerSession>(
  page: Page,
  method: M,
  ...args: Parameters<PeerSession[M]>
): ReturnType<PeerSession[M]> {
  return page.evaluate(
    ([name, params]) => {
      const session = (globalThis as unknown as PageGlobal).webrtcConnectPeer;
      return (session[name] as (...values: unknown[]) => Promise<unknown>)(...params);
    },
    [method, args] as const,
  ) as ReturnType<PeerSession[M]>;
}
