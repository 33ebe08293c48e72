import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';

const appRoot = join(import.meta.dirname, '../../apps/web');

export interface BuiltApp {
  dir: string;
  remove(): Promise<void>;
}

/** A fresh production build of apps/web, in a temporary directory: what `npm start` serves. */
export async function freshWebAppBuild(): Promise<BuiltApp> {
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
