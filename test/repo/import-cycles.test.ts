import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCircular, parseDependencyTree } from 'dpdm';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/**
 * The import cycles among the files matched by `patterns` (relative to `cwd`), each as the
 * list of files that close it. Type-only imports count: dpdm reads the TypeScript itself
 * (`transform: false`) instead of the emitted JavaScript, and a cycle closed only by
 * `import type` still shows two modules that should be one, or a type in the wrong module.
 */
async function importCycles(
  cwd: string,
  patterns: string[],
): Promise<{ files: string[]; cycles: string[][] }> {
  const tree = await parseDependencyTree(patterns, { cwd, context: cwd, transform: false });
  return { files: Object.keys(tree), cycles: parseCircular(tree) };
}

describe('import cycles', () => {
  let fixture: string | undefined;
  afterAll(async () => {
    if (fixture) await rm(fixture, { recursive: true, force: true });
  });

  it('are found when closed only by an import type', async () => {
    fixture = await mkdtemp(join(tmpdir(), 'import-cycles-'));
    await writeFile(
      join(fixture, 'options.ts'),
      "import type { KeySource } from './key-source.ts';\nexport interface Options { source?: KeySource }\n",
    );
    await writeFile(
      join(fixture, 'key-source.ts'),
      "import type { Options } from './options.ts';\nexport type KeySource = (options: Options) => string;\n",
    );
    await writeFile(join(fixture, 'alone.ts'), 'export const alone = 1;\n');
    const { cycles } = await importCycles(fixture, ['*.ts']);
    expect(cycles).toHaveLength(1);
    expect([...(cycles[0] ?? [])].sort()).toEqual(['key-source.ts', 'options.ts']);
  });

  // Reads and parses every source file: seen to pass 5 s on a loaded machine.
  it('are none in the packages and apps', { timeout: 30_000 }, async () => {
    const { files, cycles } = await importCycles(ROOT, [
      'packages/*/src/**/*.ts',
      'apps/*/src/**/*.ts',
    ]);
    // Every package was read, and imports between them reach their sources (through the
    // tsconfig's source condition), so a cycle across packages would show too.
    for (const entry of ['client', 'modem', 'protocol', 'server', 'signal']) {
      expect(files).toContain(`packages/${entry}/src/index.ts`);
    }
    expect(files).toContain('apps/web/src/main.ts');
    expect(cycles.map((cycle) => cycle.join(' -> '))).toEqual([]);
  });
});
