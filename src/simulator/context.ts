/**
 * What every endpoint handler gets (the world, limits, faults, log, clock) and what it gives back.
 */
import type { Clock } from '../domain/clock.js';
import type { Platform } from '../domain/platform.js';
import type { Faults } from './faults.js';
import type { SimulatorConfig } from './options.js';
import type { RateLimits } from './rate-limits.js';
import type { RequestLog, RequestOutcome } from './request-log.js';
import type { SimItem, World } from './world.js';

/** The simulator's shared state, as handlers see it. */
export interface SimContext {
  world: World;
  clock: Clock;
  limits: RateLimits;
  faults: Faults;
  log: RequestLog;
  config: SimulatorConfig;
}

/** A request, parsed. */
export interface SimRequest {
  method: string;
  /** The raw (still percent-encoded) path. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  nowMs: number;
}

/** A handler's answer plus what the log records about it. */
export interface SimAnswer {
  status: number;
  headers: Record<string, string>;
  /** A value to serialize as JSON, or a ready string (malformed bodies, lossless numbers). */
  body: unknown;
  /** Whether `body` is already serialized text. */
  raw?: boolean;
  /** Never answer (a hang fault). */
  hang?: boolean;
  platform: Platform | null;
  endpoint: string;
  clientId: string | null;
  outcome: RequestOutcome;
  overLimit: string | null;
}

/** A one-line JSON answer. */
export function answer(
  platform: Platform,
  endpoint: string,
  status: number,
  body: unknown,
  extra: Partial<SimAnswer> = {},
): SimAnswer {
  return {
    status,
    headers: {},
    body,
    platform,
    endpoint,
    clientId: null,
    outcome: status < 300 ? 'ok' : status === 404 ? 'not_found' : 'bad_request',
    overLimit: null,
    ...extra,
  };
}

/** A header's single value. */
export function headerOf(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerOf(req: SimRequest): string | undefined {
  const h = headerOf(req, 'authorization');
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** A 200 answer cut short into invalid JSON (the malformed-body fault). */
export function malformed(a: SimAnswer): SimAnswer {
  const text = a.raw ? String(a.body) : JSON.stringify(a.body);
  return {
    ...a,
    body: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
    raw: true,
    outcome: 'fault_malformed',
  };
}

/** Mark items served and delete some (the delete-after-serve fault). */
export function afterServe(items: readonly SimItem[], nowMs: number, ctx: SimContext): void {
  for (const item of items) {
    ctx.world.markServed(item, nowMs);
    if (ctx.faults.drawDeleteAfterServe(item.platform)) ctx.world.deleteItem(item, nowMs);
  }
}

/** An item's JSON for a given rendering (`key`), rendered once and reused: items never change. */
export function cachedJson(item: SimItem, key: string, render: () => unknown): string {
  if (item.jsonKey !== key || item.json === null) {
    item.json = JSON.stringify(render());
    item.jsonKey = key;
  }
  return item.json;
}

/** A JSON object's text from already-serialized member values, in order. */
export function jsonObject(members: [string, string][]): string {
  return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}
