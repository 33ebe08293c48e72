/**
 * Time from "create link" to "data channel open" between two Chromium pages with the automatic
 * reply through the mailbox, against the same two pages swapping raw SDP directly (the harness
 * carries it), interleaved in one run. Both gather non-trickle with the same cap.
 */
import { join } from 'node:path';
import { createServer } from '@webrtc-connect/server';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/harness/chromium.ts';
import { bundleForPage } from '../test/harness/page-bundle.ts';

export interface ConnectTimeResult {
  runs: number;
  linkMs: number[];
  rawMs: number[];
  linkMedianMs: number;
  rawMedianMs: number;
  ratio: number;
}

const GATHER_TIMEOUT_MS = 3000;

interface PageApi {
  createLink(options: object): Promise<{ link: string; connected: Promise<unknown> }>;
  acceptLink(link: string, options: object): Promise<{ connected: Promise<unknown> }>;
  /** The library's own gathering, so both ways gather exactly alike. */
  gatheredDescription(
    pc: RTCPeerConnection,
    description: RTCSessionDescriptionInit,
    timeoutMs: number,
  ): Promise<RTCSessionDescriptionInit>;
  pending?: Promise<unknown>;
  /** Every RTCPeerConnection the page made, for closePeers. */
  peers: RTCPeerConnection[];
  /** RTCPeerConnection that records itself in `peers`; both ways use it. */
  TrackedPeerConnection: typeof RTCPeerConnection;
  pc?: RTCPeerConnection;
  opened?: Promise<unknown>;
}

export async function benchLinkConnectTime(runs = 20): Promise<ConnectTimeResult> {
  const app = await createServer({ logLevel: 'silent', rateLimit: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the mailbox has no port');
  const origin = `http://127.0.0.1:${address.port}`;
  const gatherModule = join(import.meta.dirname, '../packages/client/src/core/gather.ts');
  const bundle = await bundleForPage(
    `import { acceptLink, createLink } from 'webrtc-connect/link';
import { gatheredDescription } from ${JSON.stringify(gatherModule)};
const peers = [];
class TrackedPeerConnection extends RTCPeerConnection {
  constructor(configuration) {
    super(configuration);
    peers.push(this);
  }
}
Object.assign(globalThis, { acceptLink, createLink, gatheredDescription, peers, TrackedPeerConnection });
`,
  );
  const browser = await launchChromium();
  const linkMs: number[] = [];
  const rawMs: number[] = [];
  try {
    // The same two pages for both ways, as the issue asks; runs alternate so drift hits both.
    const pages = await freshPages(browser.newPage, origin, bundle);
    for (let run = 0; run < runs; run += 1) {
      linkMs.push(await timeLink(pages, origin));
      await closePeers(pages);
      rawMs.push(await timeRaw(pages));
      await closePeers(pages);
    }
  } finally {
    await browser.close();
    await app.close();
  }
  const linkMedianMs = median(linkMs);
  const rawMedianMs = median(rawMs);
  return { runs, linkMs, rawMs, linkMedianMs, rawMedianMs, ratio: linkMedianMs / rawMedianMs };
}

async function freshPages(
  newPage: () => Promise<Page>,
  origin: string,
  bundle: string,
): Promise<[Page, Page]> {
  const pages: Page[] = [];
  for (let i = 0; i < 2; i += 1) {
    const page = await newPage();
    await page.goto(`${origin}/api/health`);
    await page.addScriptTag({ content: bundle });
    pages.push(page);
  }
  return pages as [Page, Page];
}

/** Closes every peer connection the pages hold, so the next run starts from nothing. */
async function closePeers(pages: Page[]): Promise<void> {
  await Promise.all(
    pages.map((page) =>
      page.evaluate(() => {
        const api = globalThis as unknown as PageApi;
        for (const pc of api.peers.splice(0)) pc.close();
      }),
    ),
  );
}

async function timeLink([a, b]: [Page, Page], origin: string): Promise<number> {
  const started = performance.now();
  const link = await a.evaluate(
    async ({ mailbox, gatherTimeout }) => {
      const api = globalThis as unknown as PageApi;
      const invitation = await api.createLink({
        RTCPeerConnection: api.TrackedPeerConnection,
        mailbox,
        gatherTimeout,
      });
      api.pending = invitation.connected;
      return invitation.link;
    },
    { mailbox: origin, gatherTimeout: GATHER_TIMEOUT_MS },
  );
  await Promise.all([
    b.evaluate(
      async ({ link, gatherTimeout }) => {
        const api = globalThis as unknown as PageApi;
        const options = { RTCPeerConnection: api.TrackedPeerConnection, gatherTimeout };
        await (await api.acceptLink(link, options)).connected;
      },
      { link, gatherTimeout: GATHER_TIMEOUT_MS },
    ),
    a.evaluate(() => (globalThis as unknown as PageApi).pending),
  ]);
  return performance.now() - started;
}

async function timeRaw([a, b]: [Page, Page]): Promise<number> {
  const started = performance.now();
  const offer = await a.evaluate(async (gatherTimeout) => {
    const api = globalThis as unknown as PageApi;
    const pc = new api.TrackedPeerConnection();
    // Negotiated, as the link way's (link-token.ts `linkChannel`).
    const channel = pc.createDataChannel('webrtc-connect', { negotiated: true, id: 0 });
    api.pc = pc;
    api.opened = new Promise((resolve) => channel.addEventListener('open', resolve));
    return api.gatheredDescription(pc, await pc.createOffer(), gatherTimeout);
  }, GATHER_TIMEOUT_MS);
  const answer = await b.evaluate(
    async ({ offer, gatherTimeout }) => {
      const api = globalThis as unknown as PageApi;
      const pc = new api.TrackedPeerConnection();
      await pc.setRemoteDescription(offer);
      const channel = pc.createDataChannel('webrtc-connect', { negotiated: true, id: 0 });
      api.opened = new Promise((resolve) => channel.addEventListener('open', resolve));
      return api.gatheredDescription(pc, await pc.createAnswer(), gatherTimeout);
    },
    { offer, gatherTimeout: GATHER_TIMEOUT_MS },
  );
  await a.evaluate(
    (answer) => (globalThis as unknown as PageApi).pc?.setRemoteDescription(answer),
    answer,
  );
  await Promise.all([
    a.evaluate(() => (globalThis as unknown as PageApi).opened),
    b.evaluate(() => (globalThis as unknown as PageApi).opened),
  ]);
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function printConnectTime(result: ConnectTimeResult): void {
  console.log(
    `\nConnect time, create link → data channel open (Chromium ↔ Chromium, ${result.runs} runs each)`,
  );
  const p90 = (values: number[]) =>
    [...values].sort((x, y) => x - y)[Math.floor(values.length * 0.9)] ?? 0;
  console.table([
    {
      way: 'link + mailbox (automatic reply)',
      'median ms': result.linkMedianMs.toFixed(1),
      'p90 ms': p90(result.linkMs).toFixed(1),
    },
    {
      way: 'raw SDP swapped directly',
      'median ms': result.rawMedianMs.toFixed(1),
      'p90 ms': p90(result.rawMs).toFixed(1),
    },
  ]);
  console.log(`ratio (link / raw, medians): ${result.ratio.toFixed(3)}`);
}
