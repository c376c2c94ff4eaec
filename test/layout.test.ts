import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

describe('test file layout', () => {
  it('names every test file *.test.ts so that no test silently fails to run', () => {
    const root = join(import.meta.dirname, '..');
    const candidates = [...walk(join(root, 'src')), ...walk(join(root, 'test'))]
      .map((f) => relative(root, f))
      .filter((f) => !f.startsWith('test/fixtures/') && !f.startsWith('test/helpers/'));
    const misnamed = candidates.filter(
      (f) =>
        (/\.(spec|test)\.[cm]?[jt]sx?$/.test(f) && !f.endsWith('.test.ts')) ||
        (f.startsWith('test/') && f.endsWith('.ts') && !f.endsWith('.test.ts')) ||
        /\.integration\.ts$/.test(f),
    );
    expect(misnamed).toEqual([]);
  });
});
