import type { ChromiumHandle, NewPageOptions } from './chromium.ts';
import { createNdcPeer, createWrtcPeer } from './node-peers.ts';
import { createPagePeer } from './page-peer.ts';
import type { Peer } from './peer.ts';
import type { PeerSessionConfig } from './peer-session.ts';

export type PeerKind = 'chromium' | 'node-datachannel' | 'wrtc';

export interface PeerPool {
  /** A new peer of that kind; a Chromium peer gets a tab of its own. */
  open(
    kind: PeerKind,
    options?: NewPageOptions & { config?: Partial<PeerSessionConfig> },
  ): Promise<Peer>;
  /** Closes every peer (and tab) opened so far, newest first; call it after each test. */
  closeAll(): Promise<void>;
}

/** Peers of every kind over one shared browser, so a test file launches Chromium once. */
export function createPeerPool(browser: ChromiumHandle): PeerPool {
  const closers: Array<() => Promise<void>> = [];
  return {
    async open(kind, options = {}) {
      const config = options.config ?? {};
      let peer: Peer;
      if (kind === 'chromium') {
        const page = await browser.newPage(options);
        closers.push(() => page.close());
        peer = await createPagePeer(page, { config });
      } else {
        peer = kind === 'wrtc' ? createWrtcPeer({ config }) : createNdcPeer({ config });
      }
      closers.push(() => peer.close());
      return peer;
    },
    async closeAll() {
      for (const close of closers.splice(0).reverse()) await close();
    },
  };
}
