/**
 * The sound way's figures: bytes on the air for real captured signals (Chromium, libdatachannel,
 * libwebrtc), the airtime of each in both profiles, and what the sound entry adds to a bundle.
 */
import { frameDuration } from '@webrtc-connect/modem';
import { encodeSignal } from '@webrtc-connect/signal';
import { offerSilence } from 'webrtc-connect/sound';
import { captureCorpus } from '../test/harness/capture.ts';
import { bundleEntry, LINK_ONLY_ENTRY, WITH_SOUND_ENTRY } from '../test/harness/entry-bundle.ts';

/** Compact seal: form byte, 8-byte salt, 8-byte tag. */
const SEAL_OVERHEAD = 17;
/** Link token: version byte and the 16-byte link secret. */
const TOKEN_OVERHEAD = 17;

export async function benchSound() {
  const captured = await captureCorpus();
  const rows = captured.map(({ source, description }) => {
    const compact = encodeSignal(description).length;
    const onAir = compact + (description.type === 'answer' ? SEAL_OVERHEAD : TOKEN_OVERHEAD);
    return {
      signal: source,
      compactBytes: compact,
      onAirBytes: onAir,
      fastSeconds: round(frameDuration(onAir, 'fast')),
      robustSeconds: round(frameDuration(onAir, 'robust')),
      ...(description.type === 'offer'
        ? { fastLoopSeconds: round(frameDuration(onAir, 'fast') + offerSilence('fast')) }
        : {}),
    };
  });
  console.log('\nSound: bytes on the air (answer: sealed compact; offer: link token) and airtime');
  console.table(rows);

  const linkOnly = await bundleEntry(LINK_ONLY_ENTRY);
  const withSound = await bundleEntry(WITH_SOUND_ENTRY);
  const bundles = [
    { entry: 'webrtc-connect/link only', ...sizes(linkOnly) },
    { entry: 'link + webrtc-connect/sound', ...sizes(withSound) },
  ];
  console.log('\nBundles (minified; the decoder worker is a chunk of its own in an app build)');
  console.table(bundles);

  const chromiumAnswer = rows.find((row) => row.signal === 'chromium-answer-mdns');
  const chromiumOffer = rows.find((row) => row.signal === 'chromium-offer-mdns');
  if (!chromiumAnswer || !chromiumOffer) throw new Error('the corpus has no Chromium mDNS pair');
  return {
    rows,
    bundles,
    targets: [
      {
        name: 'Chromium answer by sound, fast airtime',
        value: chromiumAnswer.fastSeconds,
        limit: 1.2,
        unit: 's',
      },
      {
        name: 'Chromium offer by sound, fast airtime',
        value: chromiumOffer.fastSeconds,
        limit: 1.2,
        unit: 's',
      },
    ],
  };
}

function sizes(bundle: Awaited<ReturnType<typeof bundleEntry>>) {
  return {
    entryBytes: bundle.entryBytes,
    entryGzip: bundle.entryGzipBytes,
    allBytes: bundle.totalBytes,
    allGzip: bundle.totalGzipBytes,
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 100) / 100;
}
