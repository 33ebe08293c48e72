import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

describe('@webrtc-connect/protocol', () => {
  it('is runtime-neutral: imports only its own modules and uses no Node globals', async () => {
    const dir = new URL('../src/', import.meta.url);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.ts'));
    expect(files).toContain('index.ts');
    for (const name of files) {
      const source = await readFile(new URL(name, dir), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
      for (const specifier of imports)
        expect(specifier, `${name} imports ${specifier}`).toMatch(/^\.\/[a-z-]+\.ts$/);
      expect(source, name).not.toMatch(/\b(Buffer|process|require)\b/);
    }
  });
});
