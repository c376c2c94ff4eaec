/**
 * Helpers for the simulator's own tests: HTTP calls to a running simulator and fixture loading.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A response as a test sees it. */
export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body (`undefined` when it is not JSON). */
  body: unknown;
}

/** GET (or another method) a simulator path. */
export async function call(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
  init: { method?: string; body?: string } = {},
): Promise<TestResponse> {
  const res = await fetch(`${baseUrl}${path}`, { headers, ...init });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** A recorded fixture from `test/fixtures/<platform>/<name>`. */
export function loadFixture(
  platform: string,
  name: string,
): { status: number; body: unknown; headers: Record<string, string> } {
  const path = join(import.meta.dirname, '..', 'fixtures', platform, name);
  return JSON.parse(readFileSync(path, 'utf8')) as {
    status: number;
    body: unknown;
    headers: Record<string, string>;
  };
}

/**
 * The shape of a JSON value: objects become their sorted keys' shapes, arrays the union of their
 * elements' shapes (arrays of
 * scalars just 'array'), scalars their type. Two values with the same shape parse with the same schema.
 */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) {
    // Arrays of scalars (and empty arrays) are just 'array': their length varies between answers.
    const objects = value.filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    if (objects.length === 0) return 'array';
    const merged: Record<string, unknown> = {};
    for (const v of objects) Object.assign(merged, shapeOf(v));
    return [sortKeys(merged)];
  }
  if (value === null) return 'null';
  if (typeof value === 'object') {
    return sortKeys(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)])));
  }
  return typeof value;
}

function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(obj)
      .sort()
      .map((k) => [k, obj[k]]),
  );
}
