// The sound way in the web app, in Chromium with a fake microphone: A's page listens on a
// microphone fed with a WAV file of B's looped answer (--use-file-for-fake-audio-capture;
// Chromium loops the file and opens it when capture starts, so the test writes it once B has
// answered). B is a Node peer (node-datachannel) using the library.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modulate } from '@webrtc-connect/modem';
import { RTCPeerConnection as NdcPeerConnection } from 'node-datachannel/polyfill';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMessenger, type PeerConnectionConstructor } from 'webrtc-connect';
import { acceptLink } from 'webrtc-connect/link';
import { PHONE_RATE, phoneCall } from '../../packages/modem/test/channel/index.ts';
import {
  type AppServer,
  type BuiltApp,
  buildWebApp,
  startAppServer,
} from '../harness/app-server.ts';
import { type BrowserPage, type TestBrowser, testId } from '../harness/browser-page.ts';
import { launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { chromiumBrowser } from '../harness/playwright-page.ts';
import { writeWav } from '../harness/wav.ts';
import {
  createLinkOn,
  openApp,
  shownError,
  waitForItem,
  waitForState,
} from '../harness/web-app-pages.ts';

const RTCPeerConnection = NdcPeerConnection as unknown as PeerConnectionConstructor;

let built: BuiltApp;
let server: AppServer;
let scratch: string;
const browsers: TestBrowser[] = [];
let pages: BrowserPage[] = [];

beforeAll(async () => {
  assertPrivateNetns();
  built = await buildWebApp();
  server = await startAppServer(built.dir);
  scratch = await mkdtemp(join(tmpdir(), 'webrtc-connect-sound-'));
});

afterEach(async () => {
  await Promise.all(pages.map((page) => page.close()));
  pages = [];
  // The worklet and decoder worker run under the server's CSP: anything blocked fails.
  for (const browser of browsers) browser.assertNoCspViolations();
});

afterAll(async () => {
  await Promise.all(browsers.map((browser) => browser.close()));
  await server?.close();
  await built?.remove();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/**
 * A's page (its own Chromium, whose fake microphone plays `file`) with a self-contained link,
 * so no mailbox reply can overtake the sound; B, a Node peer, answered it, and `file` holds
 * one period of B's looped answer in `profile`, as a speaker would play it over and over.
 */
async function answerOnFakeMicrophone(
  file: string,
  profile: 'fast' | 'robust' | 'narrowband',
  overPhone = false,
) {
  const wav = join(scratch, file);
  const chromium = chromiumBrowser(
    await launchChromium({ fakeMedia: 'auto-accept', fakeAudioFile: wav }),
  );
  browsers.push(chromium);
  const a = await openApp(chromium, `${server.url}/`);
  pages.push(a);
  const link = await createLinkOn(a, { selfContained: true });
  const acceptance = await acceptLink(link, {
    RTCPeerConnection,
    mailbox: null,
    connectTimeout: 30_000,
  });
  const sealed = await acceptance.sealAnswer('compact');
  // Chromium opens the file when capture starts, so it can be written after B answered.
  const frame = modulate(sealed, { sampleRate: 48000, profile });
  if (overPhone) {
    // The loop as the far end of a GSM call hears it, at 8 kHz: four periods go through the
    // codec and the last three are kept, so the file starts on a codec already running and each
    // copy the microphone hears has babble of its own, as on a call (one period looped gave
    // every copy the same noise: a copy that did not decode never would).
    const periods = 3;
    const kept = Math.round((periods * frame.length * PHONE_RATE) / 48000);
    const call = phoneCall(frame, {
      txRate: 48000,
      start: 0,
      duration: ((periods + 1) * frame.length) / 48000,
      snrDb: 20,
      codec: 'gsm',
      seed: 17,
    });
    await writeWav(wav, call.slice(call.length - kept), PHONE_RATE);
  } else {
    await writeWav(wav, frame, 48000);
  }
  return { a, acceptance, sealed };
}

describe('connect by sound in the web app, Chromium with a fake microphone', () => {
  it("A's page hears B's looped answer from the microphone, connects, and they chat", async () => {
    const { a, acceptance, sealed } = await answerOnFakeMicrophone('answer.wav', 'fast');
    const playStart = performance.now();
    await a.click(testId('listen-sound'));
    await waitForState(a, 'connected', 30_000);
    const connection = await acceptance.connected;
    console.info(
      `sound (fake microphone): answer ${sealed.length} bytes, connected ${((performance.now() - playStart) / 1000).toFixed(2)} s after listening started`,
    );

    const messenger = createMessenger(connection.channel);
    const fromPage = new Promise<string>((resolve) => messenger.on('text', resolve));
    await a.fill(testId('message-input'), 'heard you');
    await a.click(testId('send'));
    expect(await fromPage).toBe('heard you');
    messenger.sendText('loud and clear');
    await waitForItem(a, '[data-testid="messages"] li[data-from="peer"]', 'loud and clear');
    expect(await a.text(testId('sas'))).toBe(connection.shortAuthenticationString);
    connection.close();
  });

  it("A's page, with no setting, hears an answer played in the robust profile", async () => {
    const { a, acceptance } = await answerOnFakeMicrophone('robust-answer.wav', 'robust');
    await a.click(testId('listen-sound'));
    await waitForState(a, 'connected', 30_000);
    const connection = await acceptance.connected;
    expect(await a.text(testId('sas'))).toBe(connection.shortAuthenticationString);
    connection.close();
  });

  it("A's page, with no setting, hears a narrowband answer that came through a GSM phone call at 8 kHz", async () => {
    const { a, acceptance } = await answerOnFakeMicrophone('phone-answer.wav', 'narrowband', true);
    await a.click(testId('listen-sound'));
    await waitForState(a, 'connected', 30_000);
    const connection = await acceptance.connected;
    expect(await a.text(testId('sas'))).toBe(connection.shortAuthenticationString);
    connection.close();
  });

  it('tells the person to check the volume when the microphone hears only silence', async () => {
    const wav = join(scratch, 'silence.wav');
    await writeWav(wav, new Float32Array(48000), 48000);
    const chromium = chromiumBrowser(
      await launchChromium({ fakeMedia: 'auto-accept', fakeAudioFile: wav }),
    );
    browsers.push(chromium);
    const a = await openApp(chromium, `${server.url}/`);
    pages.push(a);
    await createLinkOn(a, { selfContained: true });
    await a.click(testId('listen-sound'));
    await a.waitFor('[data-testid="sound-panel"][data-state="listening"]');
    // The library's default: 5 s without sound.
    const hint = '[data-testid="sound-hint"][data-error-code="ERR_SILENT_INPUT"]';
    await a.waitFor(hint, 15_000);
    expect(await a.text(hint)).toMatch(/volume/);
    expect(await a.attribute(testId('sound-level'), 'data-level')).toBe('-90');
  });

  it('says so when the microphone is refused', async () => {
    // Fake devices, but no automatic consent: the app's origin holds no permission.
    const chromium = chromiumBrowser(await launchChromium({ fakeMedia: 'devices' }));
    browsers.push(chromium);
    const a = await openApp(chromium, `${server.url}/`);
    pages.push(a);
    await createLinkOn(a, { selfContained: true });
    await a.click(testId('listen-sound'));
    const error = await shownError(a, 'sound-error');
    expect(error.code).toBe('ERR_MICROPHONE_REFUSED');
    expect(error.text).toMatch(/allow this page/i);
    // The person may allow the microphone and try again.
    expect(await a.text(testId('listen-sound'))).toBe('Try listening again');
    // The link still works: the page did not give up on the connection.
    expect(await a.attribute(testId('status'), 'data-state')).toBe('waiting');
  });

  it("the sound page's Stop ends playing and listening; its meter and spectrum agree on a tone", async () => {
    // A 3 kHz tone of amplitude 0.1 (-23 dBFS RMS), a whole number of periods in the file.
    const wav = join(scratch, 'tone.wav');
    const rate = 48000;
    const tone = new Float32Array(rate);
    for (let i = 0; i < tone.length; i += 1)
      tone[i] = 0.1 * Math.sin((2 * Math.PI * 3000 * i) / rate);
    await writeWav(wav, tone, rate);
    const chromium = chromiumBrowser(
      await launchChromium({ fakeMedia: 'auto-accept', fakeAudioFile: wav }),
    );
    browsers.push(chromium);
    const a = await soundPageWatchingAudio(chromium);
    await a.goto(`${server.url}/#sound`);
    await a.click(testId('sound-offer'));
    await waitForState(a, 'playing', 20_000);
    await a.waitFor('[data-testid="sound-panel"][data-state="listening"]');

    // The meter (RMS) and the spectrum's loudest bar read the tone alike, in dBFS, once the
    // analyser's smoothing (0.8 a reading, ten readings a second) has settled on it.
    const reading = () =>
      a.evaluate(() => ({
        meter: Number(
          document.querySelector('[data-testid="sound-level"]')?.getAttribute('data-level'),
        ),
        spectrum: Number(
          document.querySelector('[data-testid="sound-spectrum"]')?.getAttribute('data-peak'),
        ),
      }));
    await expect
      .poll(reading, { timeout: 15_000, interval: 200 })
      .toSatisfy(
        ({ meter, spectrum }) => meter >= -26 && meter <= -20 && Math.abs(meter - spectrum) <= 3,
      );

    await a.click(testId('sound-stop'));
    await waitForState(a, 'stopped');
    expect(await a.attribute(testId('sound-panel'), 'data-state')).toBe('stopped');
    expect(await a.attribute(testId('sound-playing'), 'data-state')).toBe('stopped');
    expect(await a.count(testId('sound-stop'))).toBe(0);
    expect(await a.count(testId('start-again'))).toBe(1);
    await everyAudioEnded(a);

    // The other role, "Join", stops alike while it listens.
    const b = await soundPageWatchingAudio(chromium);
    await b.goto(`${server.url}/#sound`);
    await b.click(testId('sound-answer'));
    await b.waitFor('[data-testid="sound-panel"][data-state="listening"]');
    await b.click(testId('sound-stop'));
    await waitForState(b, 'stopped');
    expect(await b.attribute(testId('sound-panel'), 'data-state')).toBe('stopped');
    await everyAudioEnded(b);
  });
});

/** A page that notes every audio context and microphone track it opens. */
async function soundPageWatchingAudio(browser: TestBrowser): Promise<BrowserPage> {
  const page = await browser.newPage();
  pages.push(page);
  await page.addInitScript(() => {
    const scope = globalThis as unknown as { contexts: AudioContext[]; tracks: MediaStreamTrack[] };
    scope.contexts = [];
    scope.tracks = [];
    const Context = AudioContext;
    globalThis.AudioContext = class extends Context {
      constructor(options?: AudioContextOptions) {
        super(options);
        scope.contexts.push(this);
      }
    };
    const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await getUserMedia(constraints);
      scope.tracks.push(...stream.getTracks());
      return stream;
    };
  });
  return page;
}

/** Waits until every audio context the page opened is closed and every track ended. */
async function everyAudioEnded(page: BrowserPage): Promise<void> {
  await page.waitForFunction(() => {
    const scope = globalThis as unknown as { contexts: AudioContext[]; tracks: MediaStreamTrack[] };
    return (
      scope.contexts.length > 0 &&
      scope.tracks.length > 0 &&
      scope.contexts.every((context) => context.state === 'closed') &&
      scope.tracks.every((track) => track.readyState === 'ended')
    );
  }, undefined);
}
