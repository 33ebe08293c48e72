import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '@webrtc-connect/server';
import { build } from 'vite';

const appRoot = join(import.meta.dirname, '../../apps/web');

export interface AppServer {
  /** e.g. `http://127.0.0.1:41234`: the mailbox API under /api, `webRoot` at /. */
  url: string;
  close(): Promise<void>;
}

/**
 * The real server (in-memory store), listening on a free loopback port; `devSignIn` turns on
 * its development sign-in, for the account page.
 */
export async function startAppServer(
  webRoot: string,
  options: { devSignIn?: boolean } = {},
): Promise<AppServer> {
  const app = await createServer({
    webRoot,
    logLevel: 'silent',
    devSignIn: options.devSignIn ?? false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no port');
  return { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export interface BuiltApp {
  dir: string;
  remove(): Promise<void>;
}

/** The production build of apps/web, in a temporary directory: what `npm start` serves. */
export async function buildWebApp(): Promise<BuiltApp> {
  const dir = await mkdtemp(join(tmpdir(), 'webrtc-connect-web-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await build({
      root: appRoot,
      configFile: join(appRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: dir, emptyOutDir: true },
    });
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
}
