/**
 * Does Chromium drop what the account way's broadcaster sends first? Two browser pages make many
 * account peer links (`createPeerLink`, the client offering, the broadcaster answering), the
 * harness carrying their signals; per link it records whether the client's link opened, the time
 * from the answer to the client's open, and which of the broadcaster's frames arrived: three sent
 * in its `open`, one 300 ms later. Run in the private namespace:
 *
 *   scripts/in-netns.sh npx tsx bench/account-ready-drop.ts [links] [client browser] [broadcaster browser]
 */
import { join } from 'node:path';
import { startBlankServer } from '../test/harness/blank-server.ts';
import type { BrowserName, BrowserPage, TestBrowser } from '../test/harness/browser-page.ts';
import { launchChromium } from '../test/harness/chromium.ts';
import { launchFirefox } from '../test/harness/firefox.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';
import { bundleForPage, runBundle } from '../test/harness/page-bundle.ts';
import { chromiumBrowser } from '../test/harness/playwright-page.ts';

const OPEN_WAIT_MS = 6000;

interface LinkRecord {
  /** The peer connection's states when read. */
  state: string;
  signals: string[];
  /** READYs the answering side sent. */
  readies: number;
  answeredAt?: number;
  openedAt?: number;
  frames: number[];
  errors: string[];
  closed: boolean;
}

interface PageApi {
  start(n: number, offer: boolean, id?: string): void;
  signal(n: number, data: Record<string, unknown>): void;
  take(): [number, Record<string, unknown>][];
  record(n: number): LinkRecord | undefined;
  closeAll(): void;
}

// PEER_LINK=peer-link-old.ts measures another version saved beside it, e.g. the code before a
// change: git show main:packages/client/src/account/peer-link.ts > packages/client/src/account/peer-link-old.ts
const peerLink = join(
  import.meta.dirname,
  '../packages/client/src/account',
  process.env.PEER_LINK ?? 'peer-link.ts',
);
const PAGE_SOURCE = `
import { createPeerLink } from ${JSON.stringify(peerLink)};
const links = new Map();
let lastPeer;
class TrackedPeerConnection extends RTCPeerConnection {
  constructor(configuration) {
    super(configuration);
    lastPeer = this;
    this.readies = 0;
    // The broadcaster's READYs: more than one means it heard nothing from the client for 100 ms.
    this.addEventListener('datachannel', ({ channel }) => {
      const send = channel.send.bind(channel);
      channel.send = (data) => {
        if (data === '{"k":"ready"}') this.readies += 1;
        send(data);
      };
    });
  }
}
const outbox = [];
const msg = (seq) => ({ k: 'msg', from: 'b', sid: 'broadcaster', seq, epoch: 1, body: 'frame ' + seq });
function start(n, offer, id) {
  const record = { frames: [], errors: [], closed: false };
  const link = createPeerLink({ RTCPeerConnection: TrackedPeerConnection }, 'peer', offer ? { offer: true } : { offer: false, id }, {
    signal(data) {
      if (data.sdp && data.sdp.type === 'answer') record.answeredAt = Date.now();
      outbox.push([n, data]);
    },
    open() {
      record.openedAt = Date.now();
      if (!offer) {
        for (const seq of [1, 2, 3]) link.send(msg(seq));
        setTimeout(() => link.send(msg(4)), 300);
      }
    },
    frame(frame) { record.frames.push(frame.seq); },
    closed() { record.closed = true; },
    error(error) { record.errors.push(String(error)); },
  });
  const pc = lastPeer;
  // Read when the harness asks: what the connection had got to (Firefox throws once closed).
  record.signals = [];
  Object.defineProperty(record, 'readies', { enumerable: true, get: () => pc.readies });
  Object.defineProperty(record, 'state', {
    enumerable: true,
    get: () => {
      try {
        return [pc.connectionState, pc.iceConnectionState, pc.remoteDescription ? 'remote set' : 'no remote'].join(' / ');
      } catch (error) {
        return String(error);
      }
    },
  });
  links.set(n, { link, record });
}
globalThis.accountApi = {
  start,
  signal(n, data) {
    // A link starts with its offer (the client holds its candidates until it is out); signals of
    // a link closed already find nothing.
    if (!links.has(n)) {
      if (data.sdp?.type !== 'offer') return;
      start(n, false, data.link);
    }
    // What this side was given: the description's type, or each candidate's address.
    links.get(n).record.signals.push(data.sdp ? data.sdp.type : data.candidate.candidate.split(' ')[4] ?? 'end');
    links.get(n).link.signal(data);
  },
  take: () => outbox.splice(0),
  record: (n) => {
    const record = links.get(n)?.record;
    return record && { ...record };
  },
  closeAll() {
    for (const { link } of links.values()) link.close();
    links.clear();
  },
};
`;

async function main() {
  assertPrivateNetns();
  const total = Number(process.argv[2] ?? 100);
  const clientName = (process.argv[3] ?? 'chromium') as BrowserName;
  const broadcasterName = (process.argv[4] ?? 'chromium') as BrowserName;
  const bundle = await bundleForPage(PAGE_SOURCE);
  const blank = await startBlankServer();
  const browsers = new Map<BrowserName, TestBrowser>();
  const browserOf = async (name: BrowserName) => {
    let browser = browsers.get(name);
    if (!browser) {
      browser =
        name === 'chromium' ? chromiumBrowser(await launchChromium()) : await launchFirefox();
      browsers.set(name, browser);
    }
    return browser;
  };
  const pageIn = async (name: BrowserName) => {
    const page = await (await browserOf(name)).newPage();
    await page.goto(`${blank.origin}/`);
    await runBundle(page, bundle);
    return page;
  };
  const client = await pageIn(clientName);
  const broadcaster = await pageIn(broadcasterName);
  const api = (page: BrowserPage) => ({
    take: () =>
      page.evaluate(() => (globalThis as unknown as { accountApi: PageApi }).accountApi.take()),
    signal: (n: number, data: Record<string, unknown>) =>
      page.evaluate(
        ({ n, data }) =>
          (globalThis as unknown as { accountApi: PageApi }).accountApi.signal(n, data),
        { n, data },
      ),
    record: (n: number) =>
      page.evaluate(
        (n) => (globalThis as unknown as { accountApi: PageApi }).accountApi.record(n),
        n,
      ),
  });
  const rows: {
    n: number;
    opened: boolean;
    openMs?: number;
    first: number;
    late: boolean;
    readies: number;
  }[] = [];
  let relaying = true;
  const relay = (async () => {
    while (relaying) {
      for (const [from, to] of [
        [client, broadcaster],
        [broadcaster, client],
      ] as const) {
        for (const [n, data] of await api(from).take()) await api(to).signal(n, data);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    for (let n = 0; n < total; n += 1) {
      await client.evaluate(
        (n) => (globalThis as unknown as { accountApi: PageApi }).accountApi.start(n, true),
        n,
      );
      const deadline = Date.now() + OPEN_WAIT_MS;
      let record: LinkRecord | undefined;
      while (Date.now() < deadline) {
        record = await api(client).record(n);
        if (record?.frames.includes(4)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const far = await api(broadcaster).record(n);
      const answeredAt = far?.answeredAt;
      const opened = record?.openedAt !== undefined;
      rows.push({
        n,
        opened,
        ...(opened && answeredAt ? { openMs: (record?.openedAt ?? 0) - answeredAt } : {}),
        first: [1, 2, 3].filter((seq) => record?.frames.includes(seq)).length,
        late: record?.frames.includes(4) ?? false,
        readies: far?.readies ?? 0,
      });
      const row = rows.at(-1);
      if (!row?.opened || row.first < 3 || !row.late) {
        console.log('problem', row, { client: record, broadcaster: far });
      }
      for (const page of [client, broadcaster]) {
        await page.evaluate(() =>
          (globalThis as unknown as { accountApi: PageApi }).accountApi.closeAll(),
        );
      }
    }
  } finally {
    relaying = false;
    await relay.catch(() => {});
    for (const browser of browsers.values()) await browser.close();
    await blank.close();
  }
  const openMs = rows.flatMap((row) => (row.openMs === undefined ? [] : [row.openMs]));
  openMs.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      client: clientName,
      broadcaster: broadcasterName,
      links: rows.length,
      notOpened: rows.filter((row) => !row.opened).length,
      firstFramesMissing: rows.filter((row) => row.first < 3).length,
      lateMissing: rows.filter((row) => !row.late).length,
      readyAgain: rows.filter((row) => row.readies > 1).length,
      readiesMax: Math.max(...rows.map((row) => row.readies)),
      openMsP50: openMs[Math.floor(openMs.length / 2)],
      openMsMax: openMs.at(-1),
    }),
  );
}

await main();
