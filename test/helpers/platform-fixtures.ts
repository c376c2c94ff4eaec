/**
 * Access to the recorded platform responses in `test/fixtures/<platform>/` (copied unchanged from
 * the shared fixtures, `source` kept). Research API files hold int64 numbers: read them as text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectorResponse, HeaderMap } from '../../src/platforms/connector.js';

/** One recorded response. */
export interface Fixture {
  source: string;
  note?: string;
  request?: {
    method?: string;
    path?: string;
    query?: Record<string, string>;
    headers?: Record<string, string>;
  };
  status: number;
  headers: HeaderMap;
  body: unknown;
}

/** The fixtures folder. */
export const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures');

/** The raw text of a fixture file. */
export function fixtureText(platform: string, name: string): string {
  return readFileSync(join(FIXTURES_DIR, platform, name), 'utf8');
}

/** A fixture parsed with JSON.parse (not for files with int64 numbers). */
export function loadFixture(platform: string, name: string): Fixture {
  return JSON.parse(fixtureText(platform, name)) as Fixture;
}

/** Every fixture file as `<platform>/<name>`. */
export function listFixtures(): string[] {
  return readdirSync(FIXTURES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(FIXTURES_DIR, d.name)).map((name) => `${d.name}/${name}`));
}

/** A fixture as a successful connector response. */
export function responseOf(fixture: { status: number; body: unknown }): ConnectorResponse<unknown> {
  return { status: fixture.status, body: fixture.body, rateLimit: null };
}
