/**
 * Do links between a Chromium page and a Firefox page ever fail to start? Two browser pages make
 * many links the link way (`createLink` with the mailbox, `acceptLink`), one after another; per
 * link it records whether both sides connected, the time, each side's ICE and connection states,
 * the candidates each side sent and was given (type, `.local` or raw), the candidate pairs of
 * getStats, and the mDNS packets seen in the namespace (a listener on udp 5353 joined to
 * 224.0.0.251: each query's and answer's `.local` names). Each link gives up by itself after
 * LINK_WAIT_MS. Run in the private namespace:
 *
 *   scripts/in-netns.sh npx tsx --conditions=@webrtc-connect/source bench/link-mixed-connect.ts [links] [A browser] [B browser]
 *
 * Environment: NO_RETRY=1 drops the library's re-given mDNS candidates (core/mdns-retry.ts), to
 * measure it as before; RESCUE_MS / RESCUE_PAGES give the candidates again from the page instead;
 * BETWEEN_MS pauses between links; MDNS_TRACE=k prints the first k links' details too.
 * docs/decisions.md, "Chromium asks once for an mDNS name".
 */
import { createSocket } from 'node:dgram';
import { createServer } from '@webrtc-connect/server';
import { startBlankServer } from '../test/harness/blank-server.ts';
import type { BrowserName, BrowserPage, TestBrowser } from '../test/harness/browser-page.ts';
import { launchChromium } from '../test/harness/chromium.ts';
import { launchFirefox } from '../test/harness/firefox.ts';
import { assertPrivateNetns } from '../test/harness/netns.ts';
import { bundleForPage, runBundle } from '../test/harness/page-bundle.ts';
import { chromiumBrowser } from '../test/harness/playwright-page.ts';

const LINK_WAIT_MS = 15_000;

interface SideRecord {
  connected: boolean;
  error?: string;
  ms?: number;
  states: string;
  /** Every state change, with ms since the side started. */
  log: string[];
  sent: string[];
  given: string[];
  pairs: string[];
}

interface PageApi {
  offer(mailbox: string, wait: number): Promise<string>;
  accept(link: string, wait: number): Promise<void>;
  result(): Promise<SideRecord | undefined>;
  closeAll(): void;
  rescue(ms: number): void;
  noRetry(): void;
}

const PAGE_SOURCE = `
import { acceptLink, createLink } from 'webrtc-connect/link';
let current;
const peers = [];
let rescueMs = 0;
let noRetry = false;
class TrackedPeerConnection extends RTCPeerConnection {
  constructor(configuration) {
    super(configuration);
    peers.push(this);
    const started = Date.now();
    const log = [];
    this.stateLog = log;
    const note = (what) => log.push((Date.now() - started) + ' ' + what);
    this.addEventListener('iceconnectionstatechange', () => note('ice ' + this.iceConnectionState));
    this.addEventListener('connectionstatechange', () => note('pc ' + this.connectionState));
    this.addEventListener('icegatheringstatechange', () => note('gather ' + this.iceGatheringState));
    this.note = note;
  }
  // The link way gives candidates only in its descriptions: a candidate given is the library's
  // retry of the other side's mDNS names (core/connection.ts).
  // NO_RETRY=1 drops them: the library as before that retry.
  addIceCandidate(candidate) {
    const name = candidate?.candidate?.split(' ')[4] ?? 'end';
    if (noRetry) {
      this.note('candidate not given again (NO_RETRY): ' + name);
      return Promise.resolve();
    }
    this.note('candidate given again: ' + name);
    return super.addIceCandidate(candidate);
  }
  // RESCUE_MS: while ICE is still 'new' that long after the remote description (and again each
  // RESCUE_MS, three times), give the remote description's candidates again.
  async setRemoteDescription(description) {
    const result = await super.setRemoteDescription(description);
    if (rescueMs > 0) {
      let tries = 0;
      const again = () => {
        if (this.signalingState === 'closed' || this.iceConnectionState !== 'new' || tries >= 3) return;
        tries += 1;
        const lines = (this.remoteDescription?.sdp ?? '').split(/\\r?\\n/).filter((l) => l.startsWith('a=candidate:'));
        this.note('rescue ' + tries + ': ' + lines.length + ' candidates again');
        for (const line of lines)
          RTCPeerConnection.prototype.addIceCandidate.call(this, { candidate: line.slice(2), sdpMLineIndex: 0 }).catch((e) => this.note('rescue error ' + e));
        setTimeout(again, rescueMs);
      };
      setTimeout(again, rescueMs);
    }
    return result;
  }
}
const candidates = (description) =>
  (description?.sdp ?? '').split(/\\r?\\n/).filter((line) => line.startsWith('a=candidate:'))
    .map((line) => { const f = line.slice(12).split(' '); return f[7] + ' ' + f[2] + ' ' + f[4]; });
function watch(promise, wait) {
  const record = { connected: false, started: Date.now() };
  current = record;
  record.done = Promise.race([
    promise.then(() => { record.connected = true; record.ms = Date.now() - record.started; }),
    new Promise((resolve) => setTimeout(resolve, wait)),
  ]).catch((error) => { record.error = String(error?.code ?? error); });
}
globalThis.linkApi = {
  rescue(ms) { rescueMs = ms; },
  noRetry() { noRetry = true; },
  async offer(mailbox, wait) {
    const invitation = await createLink({ RTCPeerConnection: TrackedPeerConnection, mailbox });
    current = undefined;
    watch(invitation.connected, wait);
    current.close = () => invitation.close();
    return invitation.link;
  },
  async accept(link, wait) {
    const started = Date.now();
    const acceptance = await acceptLink(link, { RTCPeerConnection: TrackedPeerConnection });
    watch(acceptance.connected, wait);
    current.started = started;
    current.close = () => acceptance.close();
  },
  async result() {
    if (!current) return undefined;
    await current.done;
    const pc = peers.at(-1);
    let states;
    try { states = [pc.connectionState, pc.iceConnectionState, pc.iceGatheringState].join('/'); }
    catch (error) { states = String(error); }
    const pairs = [];
    try {
      const stats = await pc.getStats();
      const byId = new Map();
      stats.forEach((s) => byId.set(s.id, s));
      const show = (c) => c ? c.candidateType + ' ' + (c.address ?? c.ip) + ':' + c.port : '?';
      stats.forEach((s) => {
        if (s.type === 'candidate-pair')
          pairs.push(show(byId.get(s.localCandidateId)) + ' -> ' + show(byId.get(s.remoteCandidateId)) +
            ' ' + s.state + ' req ' + (s.requestsSent ?? '-') + ' res ' + (s.responsesReceived ?? '-'));
      });
      stats.forEach((s) => {
        if (s.type === 'remote-candidate') pairs.push('remote candidate ' + show(s));
      });
    } catch (error) { pairs.push(String(error)); }
    return {
      connected: current.connected, error: current.error, ms: current.ms, states, log: pc.stateLog,
      sent: candidates(pc.localDescription), given: candidates(pc.remoteDescription), pairs,
    };
  },
  closeAll() {
    try { current?.close?.(); } catch {}
    for (const pc of peers.splice(0)) pc.close();
    current = undefined;
  },
};
`;

/** The names in an mDNS packet's questions (query) or answers (response), with A addresses. */
function readMdns(packet: Buffer): { response: boolean; names: string[] } {
  const response = (packet.readUInt16BE(2) & 0x8000) !== 0;
  const questions = packet.readUInt16BE(4);
  const answers = packet.readUInt16BE(6);
  let offset = 12;
  const readName = (): string => {
    const labels: string[] = [];
    for (let hops = 0; hops < 20 && offset < packet.length; hops += 1) {
      const length = packet[offset] ?? 0;
      if (length === 0) {
        offset += 1;
        break;
      }
      if (length >= 0xc0) {
        offset += 2;
        labels.push('^');
        break;
      }
      labels.push(packet.subarray(offset + 1, offset + 1 + length).toString());
      offset += 1 + length;
    }
    return labels.join('.');
  };
  const names: string[] = [];
  try {
    for (let i = 0; i < questions; i += 1) {
      names.push(`? ${readName()}`);
      offset += 4;
    }
    for (let i = 0; i < answers; i += 1) {
      const name = readName();
      const type = packet.readUInt16BE(offset);
      const length = packet.readUInt16BE(offset + 8);
      const data = packet.subarray(offset + 10, offset + 10 + length);
      names.push(`! ${name} ${type === 1 ? [...data].join('.') : `type ${type}`}`);
      offset += 10 + length;
    }
  } catch {
    names.push('(cut)');
  }
  return { response, names };
}

async function main() {
  assertPrivateNetns();
  const total = Number(process.argv[2] ?? 100);
  const aName = (process.argv[3] ?? 'chromium') as BrowserName;
  const bName = (process.argv[4] ?? 'firefox') as BrowserName;
  const mdnsLog: { at: number; from: string; response: boolean; names: string[] }[] = [];
  const listener = createSocket({ type: 'udp4', reuseAddr: true });
  const mdnsSeen = { queries: 0, answers: 0 };
  listener.on('message', (packet, from) => {
    const read = readMdns(packet);
    mdnsSeen[read.response ? 'answers' : 'queries'] += 1;
    mdnsLog.push({ at: Date.now(), from: `${from.address}:${from.port}`, ...readMdns(packet) });
  });
  await new Promise<void>((resolve) => listener.bind(5353, resolve));
  for (const address of ['10.77.0.1', '10.77.0.2']) {
    try {
      listener.addMembership('224.0.0.251', address);
    } catch (error) {
      console.log('mdns membership', address, String(error));
    }
  }
  const app = await createServer({ logLevel: 'silent', rateLimit: false, corsOrigins: ['*'] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the mailbox has no port');
  const mailbox = `http://127.0.0.1:${address.port}`;
  const bundle = await bundleForPage(PAGE_SOURCE);
  const blank = await startBlankServer();
  const browsers = new Map<BrowserName, TestBrowser>();
  const pageIn = async (name: BrowserName) => {
    let browser = browsers.get(name);
    if (!browser) {
      browser =
        name === 'chromium' ? chromiumBrowser(await launchChromium()) : await launchFirefox();
      browsers.set(name, browser);
    }
    const page = await browser.newPage();
    await page.goto(`${blank.origin}/`);
    await runBundle(page, bundle);
    return page;
  };
  const a = await pageIn(aName);
  const b = await pageIn(bName);
  if (process.env.NO_RETRY) {
    for (const page of [a, b]) {
      await page.evaluate(() => (globalThis as unknown as { linkApi: PageApi }).linkApi.noRetry());
    }
  }
  // RESCUE_PAGES=a (or b): only that side gives the candidates again.
  const rescuing = (process.env.RESCUE_PAGES ?? 'a,b').split(',');
  for (const [side, page] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (!rescuing.includes(side)) continue;
    await page.evaluate(
      (ms) => (globalThis as unknown as { linkApi: PageApi }).linkApi.rescue(ms),
      Number(process.env.RESCUE_MS ?? 0),
    );
  }
  const api = (page: BrowserPage) => ({
    result: () =>
      page.evaluate(() => (globalThis as unknown as { linkApi: PageApi }).linkApi.result()),
    closeAll: () =>
      page.evaluate(() => (globalThis as unknown as { linkApi: PageApi }).linkApi.closeAll()),
  });
  const rows: { n: number; connected: boolean; rescued: boolean; ms?: number }[] = [];
  try {
    for (let n = 0; n < total; n += 1) {
      const startedAt = Date.now();
      const link = await a.evaluate(
        ({ mailbox, wait }) =>
          (globalThis as unknown as { linkApi: PageApi }).linkApi.offer(mailbox, wait),
        { mailbox, wait: LINK_WAIT_MS },
      );
      await b.evaluate(
        ({ link, wait }) =>
          (globalThis as unknown as { linkApi: PageApi }).linkApi.accept(link, wait),
        { link, wait: LINK_WAIT_MS },
      );
      const [ra, rb] = await Promise.all([api(a).result(), api(b).result()]);
      const connected = Boolean(ra?.connected && rb?.connected);
      const rescued = [...(ra?.log ?? []), ...(rb?.log ?? [])].some(
        (line) => line.includes('rescue') || line.includes('again'),
      );
      rows.push({ n, connected, rescued, ...(connected ? { ms: Date.now() - startedAt } : {}) });
      // MDNS_TRACE=k: also the mDNS packets of the first k links, connected or not.
      if (!connected || rescued || n < Number(process.env.MDNS_TRACE ?? 0)) {
        const names = new Set(
          [...(ra?.sent ?? []), ...(rb?.sent ?? [])].map((c) => c.split(' ')[2] ?? ''),
        );
        const mdns = mdnsLog
          .filter(
            (p) => p.at >= startedAt && p.names.some((m) => [...names].some((x) => m.includes(x))),
          )
          .map((p) => `${p.at - startedAt} ${p.from} ${p.names.join(', ')}`);
        console.log(
          `${connected ? 'connected' : 'not connected'}${rescued ? ' after a rescue' : ''}`,
          JSON.stringify(
            { n, a: { browser: aName, ...ra }, b: { browser: bName, ...rb }, mdns },
            null,
            1,
          ),
        );
      }
      await api(a).closeAll();
      await api(b).closeAll();
      mdnsLog.splice(0);
      // BETWEEN_MS: a pause after closing one link's connections, before the next link.
      const pause = Number(process.env.BETWEEN_MS ?? 0);
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      if ((n + 1) % 25 === 0) {
        console.log(`${n + 1} links, ${rows.filter((r) => !r.connected).length} not connected`);
      }
    }
  } finally {
    for (const browser of browsers.values()) await browser.close();
    await blank.close();
    await app.close();
    listener.close();
  }
  const ms = rows.flatMap((row) => (row.ms === undefined ? [] : [row.ms])).sort((x, y) => x - y);
  console.log(
    JSON.stringify({
      a: aName,
      b: bName,
      links: rows.length,
      notConnected: rows.filter((row) => !row.connected).length,
      rescued: rows.filter((row) => row.rescued).length,
      rescuedConnected: rows.filter((row) => row.rescued && row.connected).length,
      msP50: ms[Math.floor(ms.length / 2)],
      msMax: ms.at(-1),
      mdnsSeen,
    }),
  );
}

await main();
