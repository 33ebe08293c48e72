// `webrtc-connect serve`'s flags come from one table: the parser, --help and the README's table.
import { readFileSync } from 'node:fs';
import { HELP, parseServeArgs, runCli, serverVersion } from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_FLAGS } from '../src/account/account-flags.ts';
import { type FlagSpec, SERVE_FLAGS } from '../src/cli/flag-table.ts';
import { resolveServerOptions } from '../src/server-options.ts';
import { DEFAULT_PORT, type StartServerOptions } from '../src/start-server.ts';

const FLAGS: readonly FlagSpec[] = [
  ...SERVE_FLAGS,
  ...ACCOUNT_FLAGS.map((flag): FlagSpec => ({ ...flag, group: 'accounts' })),
];

function printed() {
  const lines: string[] = [];
  return {
    lines,
    output: { log: (text: string) => lines.push(text), error: (text: string) => lines.push(text) },
  };
}

/** What a server would run with: the options with every default filled in. */
function effective(options: StartServerOptions) {
  const { port, ...rest } = options;
  return { port: port ?? DEFAULT_PORT, ...resolveServerOptions(rest) };
}

describe('serve --help', () => {
  it('fits 80 columns and names every flag, grouped', () => {
    for (const line of HELP.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    for (const flag of FLAGS) expect(HELP).toContain(`--${flag.name}`);
    for (const group of ['Server:', 'Mailbox', 'Account rooms', 'Redis', 'HTTPS', 'Limits:']) {
      expect(HELP).toContain(group);
    }
  });

  it('shows defaults that are the defaults: typing one changes nothing', () => {
    const withDefaults = FLAGS.filter((flag) => flag.default !== undefined);
    expect(withDefaults.length).toBeGreaterThan(15);
    // A key source, so the JWT flags' defaults apply too.
    const env = { JWT_SECRET: 'a development secret of 32 bytes!' };
    const none = effective(parseServeArgs([], env));
    for (const flag of withDefaults) {
      const typed = effective(parseServeArgs([`--${flag.name}`, String(flag.default)], env));
      expect({ flag: flag.name, options: typed }).toEqual({ flag: flag.name, options: none });
    }
  });
});

describe('--version', () => {
  it("prints the package's version, alone or after serve", async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(serverVersion()).toBe(pkg.version);
    for (const argv of [['--version'], ['-v'], ['serve', '--version']]) {
      const { lines, output } = printed();
      expect(await runCli(argv, {}, output)).toBe(0);
      expect(lines).toEqual([pkg.version]);
    }
  });

  it('a usage error names the problem and points to --help instead of printing it all', async () => {
    const { lines, output } = printed();
    expect(await runCli(['serve', '--port', 'eighty'], {}, output)).toBe(2);
    expect(lines.join('\n')).toMatch(/--port must be a whole number[\s\S]*serve --help/);
    expect(lines.join('\n').split('\n').length).toBeLessThan(4);
  });
});
