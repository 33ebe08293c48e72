// The browser tier's globalSetup (vitest.config.ts): the web app built once for the run and its
// directory handed to every test file (`buildWebApp()` in app-server.ts), instead of a build in
// each of the 17 files that serve it. No test writes into the build.
import type { TestProject } from 'vitest/node';
import { freshWebAppBuild } from './web-app-build.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's build of apps/web, when the browser tier runs. */
    webAppBuild: string | undefined;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const built = await freshWebAppBuild();
  project.provide('webAppBuild', built.dir);
  return () => built.remove();
}
