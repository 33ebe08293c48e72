// A network change under a connected link session (DESIGN §4.5): every address the peers
// used goes away and others come (the private namespace's veth pair moves to another subnet),
// so the old ICE candidates are dead and only an ICE restart, or a fresh connection, can bring
// the session back. Both pages show "Reconnecting…" meanwhile; the chat goes on after.
import { afterEach, describe, expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { type BrowserPage, PAIRINGS } from '../harness/browser-page.ts';
import { dropAddresses, joinNetwork, restoreHomeNetwork } from '../harness/netns-addresses.ts';
import { connectedPages, sendChat, waitForState } from '../harness/web-app-pages.ts';

const app = useWebApp({ firefox: true });

afterEach(async () => {
  await restoreHomeNetwork();
});

const NETWORKS = [
  { 'wc-veth0': '10.78.0.1/24', 'wc-veth1': '10.78.0.2/24' },
  { 'wc-veth0': '10.79.0.1/24', 'wc-veth1': '10.79.0.2/24' },
] as const;

async function connectedPair(a: BrowserPage['browser'], b: BrowserPage['browser']) {
  const pair = await connectedPages(app, a, b);
  await sendChat(pair.a, pair.b, 'before the change');
  return pair;
}

describe('a link session resumes after a network change', () => {
  for (const pairing of PAIRINGS) {
    it(`${pairing.name}: twice, the chat goes on after each`, async () => {
      const { a, b } = await connectedPair(pairing.a, pairing.b);
      for (const network of NETWORKS) {
        await dropAddresses();
        // Both notice that nothing gets through any more: Chromium within seconds, Firefox when
        // consent to send expires (30 s, RFC 7675).
        await Promise.all([
          waitForState(a, 'reconnecting', 60_000),
          waitForState(b, 'reconnecting', 60_000),
        ]);
        await joinNetwork(network);
        await Promise.all([
          waitForState(a, 'connected', 45_000),
          waitForState(b, 'connected', 45_000),
        ]);
        await sendChat(a, b, `on ${network['wc-veth0']}`);
        await sendChat(b, a, `back on ${network['wc-veth1']}`);
      }
      expect(await a.attribute('[data-testid="status"]', 'data-state')).toBe('connected');
    }, 300_000);
  }
});
