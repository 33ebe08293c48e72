/**
 * `npm run bench [-- --only NAME,NAME] [--browsers chromium]`: every benchmark (the names are the keys of `benches`
 * below, also listed when a name is unknown), each printing a table and writing
 * JSON to bench/results/<name>.json. Runs inside the private network namespace
 * (scripts/in-netns.sh): capturing real session descriptions and connecting peers open WebRTC.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { firefoxAnswer, firefoxOffer, safariAnswer } from '../packages/signal/test/fixtures.ts';
import { captureCorpus } from '../test/harness/capture.ts';
import { benchAccountCapacity } from './account-capacity.ts';
import { benchAccountFailover } from './account-failover.ts';
import { benchBundleSizes } from './bundle-sizes.ts';
import { measureCodecSizes, printCodecSizes } from './codec-size.ts';
import { benchEdgeAttacks } from './edge-attacks.ts';
import { benchFileTransfer, fileTransferMedian, printFileTransfer } from './file-transfer.ts';
import { benchInstances } from './instances.ts';
import { benchLateCode, lateCodeMedian, printLateCode } from './late-code.ts';
import { benchLinkConnectTime, printConnectTime } from './link-connect-time.ts';
import { benchMailbox } from './mailbox.ts';
import { benchModem } from './modem.ts';
import { benchModemPhone } from './modem-phone.ts';
import { benchProviderKeys } from './provider-keys.ts';
import { benchRejoinFreshTokens } from './rejoin-fresh-tokens.ts';
import { benchRelayPath } from './relay-path.ts';
import { benchResume, printResume, resumeMedian } from './resume.ts';
import { benchSound } from './sound.ts';

interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
}

type BenchResult = { targets: Target[] } & Record<string, unknown>;

const benches: Record<string, () => Promise<BenchResult>> = {
  async codec() {
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
  },

  async connect() {
    const result = await benchLinkConnectTime(20);
    printConnectTime(result);
    const target = {
      name: 'connect time, link / raw SDP (medians)',
      value: result.ratio,
      limit: 1.15,
      unit: '×',
    };
    return { ...result, targets: [target] };
  },

  async mailbox() {
    return { ...(await benchMailbox()) };
  },

  async modem() {
    return { ...(await benchModem()) };
  },

  async 'modem-phone'() {
    return { ...(await benchModemPhone({ trials: Number(process.env.PHONE_TRIALS ?? 20) })) };
  },

  async sound() {
    return { ...(await benchSound()) };
  },

  async bundles() {
    return { ...(await benchBundleSizes()) };
  },

  async failover() {
    return { ...(await benchAccountFailover()) };
  },

  async capacity() {
    return { ...(await benchAccountCapacity()) };
  },

  // BENCH_COMPARE: other checkouts (comma-separated) timed by turns with this one.
  async 'relay-path'() {
    const compare = process.env.BENCH_COMPARE?.split(',').filter(Boolean) ?? [];
    return { ...(await benchRelayPath({ compare })), targets: [] };
  },

  async instances() {
    return { ...(await benchInstances()) };
  },

  async keys() {
    return { ...(await benchProviderKeys()) };
  },

  async edge() {
    return { ...(await benchEdgeAttacks()) };
  },

  async rejoin() {
    return { ...(await benchRejoinFreshTokens()) };
  },

  async 'late-code'() {
    const result = await benchLateCode();
    printLateCode(result);
    const worst = Math.max(...result.rows.map((row) => lateCodeMedian(row.lateSeconds)));
    const failures = result.rows.reduce((sum, row) => sum + row.failures, 0);
    const targets: Target[] = [
      {
        name: `late reply code (${result.lateSeconds} s), typing to connected, worst pairing's p50`,
        value: worst,
        limit: 3,
        unit: 's',
      },
      { name: 'late reply code, attempts that failed', value: failures, limit: 0, unit: '' },
    ];
    return { ...result, targets };
  },

  async 'file-transfer'() {
    const result = await benchFileTransfer();
    printFileTransfer(result);
    const ratio = (browser: string) => {
      const p50 = (way: string) =>
        fileTransferMedian(
          result.rows.find((row) => row.browser === browser && row.way === way)?.seconds ?? [],
        );
      return Math.round((p50('web app') / p50('plain')) * 100) / 100;
    };
    const targets: Target[] = ['chromium', 'firefox'].map((browser) => ({
      name: `${result.mebibytes} MiB, resumable as the web app does it / plain (p50), ${browser}`,
      value: ratio(browser),
      limit: 1.15,
      unit: '×',
    }));
    return { ...result, targets };
  },

  async resume() {
    const result = await benchResume(20, 20, 20, browsers);
    printResume(result);
    const worst = (pick: (row: (typeof result.rows)[number]) => number[]) =>
      Math.max(...result.rows.map((row) => resumeMedian(pick(row))));
    const targets: Target[] = [
      {
        name: 'resume after a reload of B, worst browser p50',
        value: worst((row) => row.reloadSeconds),
        limit: 5,
        unit: 's',
      },
      {
        name: 'resume after a network change, worst browser p50',
        value: worst((row) => row.networkChangeSeconds),
        limit: 20,
        unit: 's',
      },
      {
        name: 'resume after a network change on one side only, worst browser p50',
        value: worst((row) => row.oneSideSeconds),
        limit: 20,
        unit: 's',
      },
      {
        name: 'resumes that failed',
        value: result.rows.reduce((sum, row) => sum + row.failures, 0),
        limit: 0,
        unit: '',
      },
    ];
    return { ...result, targets };
  },
};

function printTargets(targets: Target[]): void {
  console.table(
    targets.map(({ name, value, limit, unit }) => ({
      target: name,
      measured: `${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}`,
      limit: `<= ${limit} ${unit}`,
      met: value <= limit ? 'yes' : 'NO',
    })),
  );
}

const { values } = parseArgs({
  options: { only: { type: 'string' }, browsers: { type: 'string' } },
});
/** `--browsers chromium`: the browser benches (so far resume) in these browsers only. */
const browsers = (values.browsers ?? 'chromium,firefox').split(',').map((name) => {
  if (name !== 'chromium' && name !== 'firefox')
    throw new Error(`no browser "${name}"; there are: chromium, firefox`);
  return name;
});
const selected = values.only ? values.only.split(',') : Object.keys(benches);
const resultsDir = join(import.meta.dirname, 'results');
await mkdir(resultsDir, { recursive: true });
const allTargets: Target[] = [];
for (const name of selected) {
  const bench = benches[name];
  if (!bench)
    throw new Error(`no benchmark "${name}"; there are: ${Object.keys(benches).join(', ')}`);
  const result = await bench();
  allTargets.push(...result.targets);
  const file = join(resultsDir, `${name}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`,
  );
  console.log(`wrote ${file}`);
}
console.log('\nTargets');
printTargets(allTargets);
