#!/usr/bin/env node
// The published package runs its build; a workspace checkout, which has no build, runs the
// TypeScript sources through tsx (the workspace's dev dependency), its sibling packages
// (@webrtc-connect/protocol) resolved to their sources too, as in the tests.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const built = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(built)) register('./source-conditions.js', import.meta.url);
const { runCli } = existsSync(built)
  ? await import(built.href)
  : await (await import('tsx/esm/api')).tsImport('../src/cli.ts', import.meta.url);
const outcome = await runCli(process.argv.slice(2), process.env);
if (typeof outcome === 'number') process.exitCode = outcome;
