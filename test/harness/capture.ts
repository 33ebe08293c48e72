// Captures real session descriptions at test time, from the implementations we must interoperate
// with, instead of keeping hand-written SDP fixtures that drift from what browsers emit.
// Also a script: `scripts/in-netns.sh npx tsx test/harness/capture.ts --out corpus.json`.
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { type ChromiumHandle, launchChromium } from './chromium.ts';
import { assertPrivateNetns } from './netns.ts';
import { createNdcPeer, createWrtcPeer } from './node-peers.ts';
import { createPagePeer } from './page-peer.ts';
import type { Peer } from './peer.ts';
import { startStunResponder, type TransportAddress } from './stun-responder.ts';
import { withTimeout } from './timeout.ts';

export interface CapturedSignal {
  /** What produced it, e.g. 'chromium-offer-mdns'. */
  source: string;
  description: RTCSessionDescriptionInit;
}

/**
 * What the STUN responder reports as the peers' public address: inside the test subnet but on no
 * interface, so the `typ srflx` candidate differs from every host candidate (Chromium omits a
 * server-reflexive candidate that repeats a host one).
 */
export const MAPPED_ADDRESS: TransportAddress = { address: '10.77.0.200', port: 40_000 };

const EXCHANGE_TIMEOUT_MS = 30_000;

/** Data-channel offer and answer from Chromium pages without media permission: mDNS host names. */
export function captureChromiumMdns(browser: ChromiumHandle): Promise<CapturedSignal[]> {
  return capturePages(browser, { offer: 'chromium-offer-mdns', answer: 'chromium-answer-mdns' });
}

/**
 * Offer and answer from pages holding a microphone: Chromium then lists raw host addresses, and
 * `tcptype active` TCP candidates too. Needs a browser launched with `fakeMedia`.
 */
export function captureChromiumRaw(browser: ChromiumHandle): Promise<CapturedSignal[]> {
  return capturePages(
    browser,
    { offer: 'chromium-offer-tcp', answer: 'chromium-answer-raw' },
    { mediaPermission: true },
  );
}

/** Offer and answer from mDNS pages that also learn a server-reflexive address from STUN. */
export async function captureChromiumSrflx(browser: ChromiumHandle): Promise<CapturedSignal[]> {
  const stun = await startStunResponder({ mappedAddress: MAPPED_ADDRESS });
  try {
    return await capturePages(
      browser,
      { offer: 'chromium-offer-srflx', answer: 'chromium-answer-srflx' },
      { iceServers: [{ urls: stun.url }] },
    );
  } finally {
    await stun.close();
  }
}

export function captureNdc(): Promise<CapturedSignal[]> {
  return exchange(createNdcPeer(), createNdcPeer(), { offer: 'ndc-offer', answer: 'ndc-answer' });
}

export function captureWrtc(): Promise<CapturedSignal[]> {
  return exchange(createWrtcPeer(), createWrtcPeer(), {
    offer: 'wrtc-offer',
    answer: 'wrtc-answer',
  });
}

/**
 * Every capture above, in a fixed order. Launches (and closes) its own Chromium unless given
 * one, which then needs `fakeMedia` for the raw capture.
 */
export async function captureCorpus(
  options: { browser?: ChromiumHandle } = {},
): Promise<CapturedSignal[]> {
  assertPrivateNetns();
  const browser = options.browser ?? (await launchChromium({ fakeMedia: 'devices' }));
  try {
    // One at a time: parallel gathering on two cores slows every capture down.
    return [
      ...(await captureChromiumMdns(browser)),
      ...(await captureChromiumRaw(browser)),
      ...(await captureChromiumSrflx(browser)),
      ...(await captureNdc()),
      ...(await captureWrtc()),
    ];
  } finally {
    if (!options.browser) await browser.close();
  }
}

interface Sources {
  offer: string;
  answer: string;
}

async function capturePages(
  browser: ChromiumHandle,
  sources: Sources,
  options: { mediaPermission?: boolean; iceServers?: RTCIceServer[] } = {},
): Promise<CapturedSignal[]> {
  const pages: Page[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const page = await browser.newPage({ mediaPermission: options.mediaPermission === true });
      pages.push(page);
      if (options.mediaPermission) await holdMicrophone(page);
    }
    const [offerer, answerer] = await Promise.all(
      pages.map((page) =>
        createPagePeer(page, { config: { iceServers: options.iceServers ?? [] } }),
      ),
    );
    if (!offerer || !answerer) throw new Error('capturePages: pages missing');
    return await exchange(offerer, answerer, sources);
  } finally {
    await Promise.all(pages.map((page) => page.close()));
  }
}

/** The microphone stays open until the page closes, as in an app that captures while it signals. */
async function holdMicrophone(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    (globalThis as unknown as { heldMicrophone: MediaStream }).heldMicrophone = stream;
  });
}

/**
 * The answer answers the very offer captured with it, from the same implementation. The offerer
 * closes first: libwebrtc stops gathering as soon as a connectivity check succeeds, so an
 * answerer that can reach the offerer would, depending on timing, omit its srflx candidate or
 * its TCP ones (gathered last). With nobody answering its checks, it gathers everything.
 */
async function exchange(
  offerer: Peer,
  answerer: Peer,
  sources: Sources,
): Promise<CapturedSignal[]> {
  try {
    return await withTimeout(
      (async () => {
        const offer = await offerer.createOffer();
        await offerer.close();
        const answer = await answerer.acceptOffer(offer);
        return [
          { source: sources.offer, description: offer },
          { source: sources.answer, description: answer },
        ];
      })(),
      EXCHANGE_TIMEOUT_MS,
      `capturing ${sources.offer} and ${sources.answer}`,
    );
  } finally {
    await Promise.all([offerer.close(), answerer.close()]);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  if (values.out === undefined) {
    throw new Error('usage: scripts/in-netns.sh npx tsx test/harness/capture.ts --out FILE.json');
  }
  const corpus = await captureCorpus();
  await writeFile(values.out, `${JSON.stringify(corpus, null, 2)}\n`);
  for (const { source, description } of corpus) {
    console.log(`${source.padEnd(24)} ${String(description.sdp?.length ?? 0).padStart(5)} bytes`);
  }
  console.log(`wrote ${corpus.length} descriptions to ${values.out}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
