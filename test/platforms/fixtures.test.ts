import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR, fixtureText, listFixtures } from '../helpers/platform-fixtures.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

describe('platform fixtures', () => {
  const fixtures = listFixtures();

  it('holds the fixtures of all three platforms', () => {
    expect(fixtures.filter((f) => f.startsWith('x/')).length).toBeGreaterThanOrEqual(11);
    expect(fixtures.filter((f) => f.startsWith('linkedin/')).length).toBeGreaterThanOrEqual(6);
    expect(fixtures.filter((f) => f.startsWith('tiktok/')).length).toBeGreaterThanOrEqual(7);
  });

  it('keeps the source of every fixture', () => {
    for (const name of fixtures) {
      const [platform, file] = name.split('/') as [string, string];
      expect(fixtureText(platform, file), name).toMatch(/"source":\s*"[^"]+"/);
    }
  });

  it('uses every fixture in at least one platform test', () => {
    const testsText = walk(join(FIXTURES_DIR, '..', 'platforms'))
      .filter((f) => f.endsWith('.test.ts') && !f.endsWith('fixtures.test.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = fixtures.filter((name) => !testsText.includes(name.split('/')[1]!));
    expect(unused).toEqual([]);
  });
});

describe('adapters and rate-limit budgets', () => {
  it('charge every resource type to an endpoint the rate limiter has a budget for', async () => {
    const { createPlatformAdapters } = await import('../../src/platforms/index.js');
    const { ENDPOINT_KEYS } = await import('../../src/rate-limit/budgets.js');
    const { resourceTypesOf, PLATFORMS } = await import('../../src/domain/platform.js');
    const adapters = createPlatformAdapters({
      credentials: { getCredentials: () => Promise.resolve({ accessToken: 't' }) },
    });
    for (const platform of PLATFORMS) {
      for (const type of resourceTypesOf(platform)) {
        expect(ENDPOINT_KEYS[platform] as readonly string[]).toContain(
          adapters[platform].endpointOf(type),
        );
      }
    }
  });
});
