/**
 * `npm run bench`: every benchmark, each printing a table and writing JSON to bench/results/.
 * Runs inside the private network namespace (scripts/in-netns.sh), because capturing real
 * session descriptions opens WebRTC.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { firefoxAnswer, firefoxOffer, safariAnswer } from '../packages/signal/test/fixtures.ts';
import { captureCorpus } from '../test/harness/capture.ts';
import { type CodecSizeRow, measureCodecSizes, printCodecSizes } from './codec-size.ts';

interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
}

const resultsDir = join(import.meta.dirname, 'results');

async function benchCodec(): Promise<{ rows: CodecSizeRow[]; targets: Target[] }> {
  const captured = await captureCorpus();
  const handWritten = [
    { source: 'firefox-offer (hand-written)', description: firefoxOffer },
    { source: 'firefox-answer (hand-written)', description: firefoxAnswer },
    { source: 'safari-answer (hand-written)', description: safariAnswer },
  ];
  const rows = measureCodecSizes([...captured, ...handWritten]);
  printCodecSizes(rows);
  const row = (source: string) => {
    const found = rows.find((candidate) => candidate.source === source);
    if (!found) throw new Error(`the captured corpus has no ${source}`);
    return found;
  };
  const answer = row('chromium-answer-mdns');
  const offer = row('chromium-offer-mdns');
  const targets: Target[] = [
    {
      name: `Chromium answer, ${answer.candidates} mDNS candidate(s)`,
      value: answer.oursBytes,
      limit: 75,
      unit: 'bytes',
    },
    {
      name: 'Chromium answer, candidates dropped',
      value: answer.oursDroppedBytes,
      limit: 58,
      unit: 'bytes',
    },
    {
      name: `Chromium offer as link text, ${offer.candidates} candidate(s)`,
      value: offer.oursLinkChars,
      limit: 110,
      unit: 'chars',
    },
  ];
  return { rows, targets };
}

function printTargets(targets: Target[]): void {
  console.log('\nTargets');
  console.table(
    targets.map(({ name, value, limit, unit }) => ({
      target: name,
      measured: `${value} ${unit}`,
      limit: `<= ${limit} ${unit}`,
      met: value <= limit ? 'yes' : 'NO',
    })),
  );
}

const codec = await benchCodec();
printTargets(codec.targets);
await mkdir(resultsDir, { recursive: true });
await writeFile(
  join(resultsDir, 'codec.json'),
  `${JSON.stringify({ date: new Date().toISOString(), ...codec }, null, 2)}\n`,
);
console.log(`\nwrote ${join(resultsDir, 'codec.json')}`);
