import { decodeSignal, encodeSignal } from '@webrtc-connect/signal';
import fc from 'fast-check';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  chromiumAnswerMdns,
  chromiumOfferRaw,
  firefoxOffer,
} from '../../packages/signal/test/fixtures.ts';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';

let chromium: ChromiumHandle;

beforeAll(async () => {
  assertPrivateNetns();
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
});

/** Byte strings near valid signals: random tails behind compact headers, and mutated signals. */
function nearSignals(count: number): Uint8Array[] {
  const valid = [chromiumAnswerMdns, chromiumOfferRaw, firefoxOffer].map((d) => encodeSignal(d));
  const random = fc.tuple(
    fc.constantFrom(0x20, 0x21, 0x22, 0x24, 0x2a, 0x2c, 0x2b, 0x2d),
    fc.uint8Array({ minLength: 20, maxLength: 160 }),
  );
  const mutated = fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }));
  const tails = fc.sample(random, { numRuns: count * 4, seed: 20261124 });
  const mutations = fc.sample(mutated, { numRuns: count * 4, seed: 424242 });
  return [
    ...tails.map(([header, tail]) => Uint8Array.of(header, ...tail)),
    ...mutations.map(([source, at, value]) => {
      const bytes = source.slice();
      bytes[at % bytes.length] = value;
      return bytes;
    }),
  ];
}

it('Chromium accepts every description that decodeSignal returns for near-valid bytes', async () => {
  const decoded: RTCSessionDescriptionInit[] = [];
  for (const bytes of nearSignals(150)) {
    try {
      decoded.push(decodeSignal(bytes));
    } catch {
      // Refused with a SignalError: the other half of the promise, tested in the unit tests.
    }
  }
  expect(decoded.length).toBeGreaterThan(150);
  expect(new Set(decoded.map((d) => d.type))).toEqual(new Set(['offer', 'answer']));

  // Chromium caps live RTCPeerConnections per page (closed ones count until collected): batches.
  const refusals: string[] = [];
  for (let start = 0; start < Math.min(decoded.length, 400); start += 100) {
    const page = await chromium.newPage();
    refusals.push(...(await refusedBy(page, decoded.slice(start, start + 100))));
    await page.close();
  }
  expect(refusals).toEqual([]);
});

function refusedBy(page: Page, descriptions: RTCSessionDescriptionInit[]): Promise<string[]> {
  return page.evaluate(async (descriptions) => {
    const failures: string[] = [];
    for (const description of descriptions) {
      const pc = new RTCPeerConnection();
      try {
        if (description.type === 'answer') {
          pc.createDataChannel('probe');
          await pc.setLocalDescription(await pc.createOffer());
          await pc.setRemoteDescription(description);
        } else {
          await pc.setRemoteDescription(description);
          await pc.setLocalDescription(await pc.createAnswer());
        }
      } catch (error) {
        failures.push(`${String(error)}\n${description.sdp}`);
      } finally {
        pc.close();
      }
    }
    return failures;
  }, descriptions);
}
