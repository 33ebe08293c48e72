// `webrtc-connect serve --lan`: HTTPS on the machine's LAN address (here the namespace's veth
// address stands for it) with a self-signed certificate it makes and keeps; a browser that was
// told to accept it gets a secure context, and two pages connect by link on that origin.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect, type PeerCertificate } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltApp, buildWebApp } from '../harness/app-server.ts';
import type { BrowserPage, TestBrowser } from '../harness/browser-page.ts';
import { launchChromium } from '../harness/chromium.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { chromiumBrowser } from '../harness/playwright-page.ts';
import { freePort } from '../harness/serve-process.ts';
import {
  createLinkOn,
  expectSameSas,
  openApp,
  sendChat,
  waitForState,
} from '../harness/web-app-pages.ts';

const bin = fileURLToPath(new URL('../../packages/server/bin/webrtc-connect.js', import.meta.url));

interface LanServer {
  url: string;
  /** Everything it printed on stdout until it was ready. */
  banner: string;
  stop(): Promise<void>;
}

/** `webrtc-connect serve --lan`, once it printed the address to open. */
async function serveLan(webRoot: string, tlsDir: string, port: number): Promise<LanServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, 'serve', '--lan', '--port', String(port), '--tls-dir', tlsDir, '--web-root', webRoot],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const printed: string[] = [];
  let url: string | undefined;
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    printed.push(line);
    url ??= /^Open (https:\/\/\S+?)\/? on a phone/.exec(line)?.[1];
    if (url && /It is kept/.test(line)) break;
  }
  if (!url) throw new Error(`serve --lan printed no address:\n${printed.join('\n')}`);
  return {
    url,
    banner: printed.join('\n'),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The certificate the server presents (not verified: it is self-signed). */
function presented(url: string): Promise<PeerCertificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: hostname, port: Number(port), rejectUnauthorized: false },
      () => {
        resolve(socket.getPeerCertificate());
        socket.end();
      },
    );
    socket.once('error', reject);
  });
}

let built: BuiltApp;
let tlsDir: string;
let chromium: TestBrowser;
let server: LanServer | undefined;
const pages: BrowserPage[] = [];

beforeAll(async () => {
  assertPrivateNetns();
  built = await buildWebApp();
  tlsDir = await mkdtemp(join(tmpdir(), 'webrtc-connect-tls-'));
  chromium = chromiumBrowser(await launchChromium({ args: ['--ignore-certificate-errors'] }));
}, 120_000);

afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.close()));
  chromium?.assertNoCspViolations?.();
  await server?.stop();
  server = undefined;
});

afterAll(async () => {
  await chromium?.close();
  await built?.remove();
  if (tlsDir) await rm(tlsDir, { recursive: true, force: true });
});

describe('serve --lan', () => {
  it('serves HTTPS on the LAN address with a certificate for it, kept across restarts', async () => {
    const port = await freePort();
    server = await serveLan(built.dir, tlsDir, port);
    const { hostname } = new URL(server.url);
    expect(hostname).toMatch(/^10\.77\.0\.\d+$/);
    expect(server.banner).toContain('SHA-256');
    const first = await presented(server.url);
    expect(first.subjectaltname).toContain(`IP Address:${hostname}`);
    expect(server.banner).toContain(first.fingerprint256);
    const kept = await readFile(join(tlsDir, 'cert.pem'), 'utf8');
    await server.stop();

    server = await serveLan(built.dir, tlsDir, port);
    expect(server.banner).toContain('(made earlier)');
    expect((await presented(server.url)).fingerprint256).toBe(first.fingerprint256);
    expect(await readFile(join(tlsDir, 'cert.pem'), 'utf8')).toBe(kept);
  }, 60_000);

  it('gives the app a secure context, and two pages connect by a link on that origin', async () => {
    server = await serveLan(built.dir, tlsDir, await freePort());
    const a = await openApp(chromium, `${server.url}/`);
    pages.push(a);
    expect(await a.evaluate(() => isSecureContext && typeof crypto.subtle?.importKey)).toBe(
      'function',
    );
    const link = await createLinkOn(a);
    expect(link.startsWith(`${server.url}/#`)).toBe(true);
    const b = await openApp(chromium, link);
    pages.push(b);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    await expectSameSas(a, b);
    await sendChat(b, a, 'over the LAN');
  }, 60_000);
});
