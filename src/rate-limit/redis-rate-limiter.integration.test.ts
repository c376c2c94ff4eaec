import { createServer, type AddressInfo, type Socket } from 'node:net';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/clock.js';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../../test/helpers/redis.js';
import type { BucketSpec, RateLimiterSettingsInput } from './budgets.js';
import { RedisRateLimiter, type AcquireResult } from './redis-rate-limiter.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0);
const FIFTEEN_MIN = 15 * 60_000;

const redis = connectTestRedis();
const extra: Redis[] = [];
let prefix = '';
let clock = new ManualClock(T0);

function limiter(
  settings: RateLimiterSettingsInput = {},
  conn: Redis = redis,
  registry?: Registry,
) {
  return new RedisRateLimiter({
    redis: conn,
    clock,
    keyPrefix: prefix,
    safetyMargin: 0,
    ...(registry ? { registry } : {}),
    ...settings,
  });
}

const fr = (limit: number, windowMs = FIFTEEN_MIN): BucketSpec => ({
  limit,
  windowMs,
  alignment: 'first-request',
});

async function grantsOf(
  rl: RedisRateLimiter,
  n: number,
  clientId: string,
): Promise<AcquireResult[]> {
  const out: AcquireResult[] = [];
  for (let i = 0; i < n; i++)
    out.push(await rl.acquire({ platform: 'x', endpoint: 'mentions', clientId }));
  return out;
}

beforeEach(() => {
  prefix = uniquePrefix('rl');
  clock = new ManualClock(T0);
});
afterEach(async () => {
  await deleteKeysWithPrefix(redis, prefix);
});
afterAll(async () => {
  for (const c of extra) c.disconnect();
  await redis.quit();
});

describe('RedisRateLimiter window edges', () => {
  it('grants the last allowed request, refuses the first over, and grants again at the reset', async () => {
    const rl = limiter();
    const target = { platform: 'x', endpoint: 'dm_events', clientId: 'c1' } as const;
    for (let i = 0; i < 15; i++) {
      const r = await rl.acquire(target);
      expect(r).toMatchObject({ kind: 'granted', accountRemaining: 14 - i, appRemaining: null });
      clock.advance(1000);
    }
    const refused = await rl.acquire(target);
    expect(refused).toEqual({
      kind: 'denied',
      scope: 'account',
      reason: 'account_exhausted',
      retryInMs: T0 + FIFTEEN_MIN - clock.now(),
      resetAtMs: T0 + FIFTEEN_MIN,
    });
    clock.set(T0 + FIFTEEN_MIN - 1);
    expect((await rl.acquire(target)).kind).toBe('denied');
    clock.set(T0 + FIFTEEN_MIN);
    expect(await rl.acquire(target)).toMatchObject({ kind: 'granted', accountRemaining: 14 });
  });

  it('aligns LinkedIn day windows to 00:00 UTC', async () => {
    const rl = limiter({
      budgets: {
        linkedin: {
          comments: {
            app: null,
            account: { limit: 2, windowMs: 86_400_000, alignment: 'utc-aligned' },
          },
        },
      },
    });
    const target = { platform: 'linkedin', endpoint: 'comments', clientId: 'm1' } as const;
    await rl.acquire(target);
    await rl.acquire(target);
    expect(await rl.acquire(target)).toMatchObject({
      kind: 'denied',
      resetAtMs: Date.UTC(2026, 0, 2),
    });
    clock.set(Date.UTC(2026, 0, 2));
    expect((await rl.acquire(target)).kind).toBe('granted');
  });

  it('keeps the safety margin in reserve', async () => {
    const rl = limiter({ safetyMargin: 0.1 });
    const target = { platform: 'x', endpoint: 'dm_events', clientId: 'c1' } as const;
    const results = [];
    for (let i = 0; i < 15; i++) results.push((await rl.acquire(target)).kind);
    expect(results.filter((k) => k === 'granted')).toHaveLength(13);
  });

  it('rejects an unknown endpoint as a bug', async () => {
    await expect(
      limiter().acquire({ platform: 'x', endpoint: 'nope', clientId: 'c' }),
    ).rejects.toThrow(/no rate-limit budget/);
  });
});

describe('RedisRateLimiter both-or-neither', () => {
  const small = {
    budgets: { x: { mentions: { app: fr(5), account: fr(3) } } },
    fairness: { scarceFraction: 0 },
  };

  it('with the app budget exhausted, 100 attempts by one account leave that account untouched', async () => {
    const rl = limiter(small);
    for (let i = 0; i < 5; i++)
      expect((await grantsOf(rl, 1, `filler${i}`))[0]?.kind).toBe('granted');
    const attempts = await grantsOf(rl, 100, 'victim');
    expect(attempts.every((r) => r.kind === 'denied' && r.scope === 'app')).toBe(true);
    const view = await rl.inspect({ platform: 'x', endpoint: 'mentions', clientId: 'victim' });
    expect(view.account).toMatchObject({ used: 0, remaining: 3, resetAtMs: null });
    expect(view.app).toMatchObject({ used: 5, remaining: 0 });
    expect(view.blockedBy).toMatchObject({ scope: 'app', reason: 'app_exhausted' });
    expect(await redis.exists(`${prefix}:rl:{x}:acct:mentions:victim`)).toBe(0);
  });

  it('with one account exhausted, its attempts leave the app budget untouched and others go on', async () => {
    const rl = limiter(small);
    await grantsOf(rl, 3, 'heavy');
    const more = await grantsOf(rl, 50, 'heavy');
    expect(more.every((r) => r.kind === 'denied' && r.scope === 'account')).toBe(true);
    const view = await rl.inspect({ platform: 'x', endpoint: 'mentions', clientId: 'heavy' });
    expect(view.app).toMatchObject({ used: 3, remaining: 2 });
    expect((await grantsOf(rl, 1, 'light'))[0]?.kind).toBe('granted');
  });

  it('keeps platforms apart: an exhausted X app budget does not delay LinkedIn', async () => {
    const rl = limiter(small);
    for (let i = 0; i < 5; i++) await grantsOf(rl, 1, `c${i}`);
    expect((await grantsOf(rl, 1, 'c9'))[0]?.kind).toBe('denied');
    expect(
      (await rl.acquire({ platform: 'linkedin', endpoint: 'comments', clientId: 'c9' })).kind,
    ).toBe('granted');
  });
});

describe('RedisRateLimiter feedback and blocks', () => {
  it('blocks until x-rate-limit-reset after a 429 even when remaining says 800', async () => {
    const rl = limiter({ budgets: { x: { mentions: { app: fr(900), account: fr(900) } } } });
    const target = { platform: 'x', endpoint: 'mentions', clientId: 'c1' } as const;
    expect((await rl.acquire(target)).kind).toBe('granted');
    const resetAtMs = T0 + FIFTEEN_MIN;
    const rec = await rl.recordResponse({
      ...target,
      status: 429,
      rateLimit: { limit: 900, remaining: 800, resetAtMs },
    });
    expect(rec).toEqual({ kind: 'recorded', blockedUntilMs: resetAtMs });
    for (const at of [T0, T0 + 1000, resetAtMs - 1]) {
      clock.set(at);
      expect(await rl.acquire(target)).toMatchObject({
        kind: 'denied',
        scope: 'blocked',
        reason: 'account_blocked',
        retryInMs: resetAtMs - at,
        resetAtMs,
      });
    }
    expect((await rl.inspect(target)).blockedBy).toEqual({
      scope: 'blocked',
      reason: 'account_blocked',
      untilMs: resetAtMs,
    });
    clock.set(resetAtMs);
    expect((await rl.acquire(target)).kind).toBe('granted');
  });

  it('blocks a LinkedIn member until the next 00:00 UTC on a DAY-limit 429; other members go on', async () => {
    const rl = limiter();
    const m1 = { platform: 'linkedin', endpoint: 'comments', clientId: 'm1' } as const;
    const m2 = { ...m1, clientId: 'm2' };
    clock.set(Date.UTC(2026, 0, 1, 23, 59, 59));
    const rec = await rl.recordResponse({ ...m1, status: 429, rateLimit: null });
    expect(rec).toEqual({ kind: 'recorded', blockedUntilMs: Date.UTC(2026, 0, 2) });
    expect(await rl.acquire(m1)).toMatchObject({
      kind: 'denied',
      scope: 'blocked',
      retryInMs: 1000,
    });
    expect((await rl.acquire(m2)).kind).toBe('granted');
    clock.set(Date.UTC(2026, 0, 2));
    expect((await rl.acquire(m1)).kind).toBe('granted');
  });

  it('blocks the whole app when told the limit is app-wide', async () => {
    const rl = limiter();
    const m1 = { platform: 'linkedin', endpoint: 'comments', clientId: 'm1' } as const;
    await rl.recordResponse({ ...m1, status: 429, rateLimit: null, scope: 'app' });
    expect(await rl.acquire({ ...m1, clientId: 'm7' })).toMatchObject({
      kind: 'denied',
      reason: 'app_blocked',
    });
  });

  it('applies the TikTok 5 min cool-down', async () => {
    const rl = limiter();
    const t = { platform: 'tiktok', endpoint: 'comment_list', clientId: 'a' } as const;
    expect(await rl.block(t)).toEqual({ kind: 'recorded', blockedUntilMs: T0 + 300_000 });
    clock.set(T0 + 299_999);
    expect((await rl.acquire(t)).kind).toBe('denied');
    clock.set(T0 + 300_000);
    expect((await rl.acquire(t)).kind).toBe('granted');
  });

  it('keeps a sub-second block sub-second', async () => {
    const rl = limiter();
    const t = { platform: 'x', endpoint: 'search', clientId: 'a' } as const;
    await rl.block({ ...t, retryAfterMs: 300 });
    expect(await rl.acquire(t)).toMatchObject({
      kind: 'denied',
      retryInMs: 300,
      resetAtMs: T0 + 300,
    });
    clock.advance(299);
    expect(await rl.acquire(t)).toMatchObject({ kind: 'denied', retryInMs: 1 });
    clock.advance(1);
    expect((await rl.acquire(t)).kind).toBe('granted');
  });

  it('never shortens a longer block', async () => {
    const rl = limiter();
    const t = { platform: 'x', endpoint: 'search', clientId: 'a' } as const;
    await rl.block({ ...t, retryAfterMs: 60_000 });
    expect(await rl.block({ ...t, retryAfterMs: 100 })).toEqual({
      kind: 'recorded',
      blockedUntilMs: T0 + 60_000,
    });
  });

  it('lowers the budget to what the platform says remains and moves the window end to its reset', async () => {
    const rl = limiter({ budgets: { x: { mentions: { app: fr(450), account: fr(300) } } } });
    const t = { platform: 'x', endpoint: 'mentions', clientId: 'a' } as const;
    await rl.acquire(t);
    const resetAtMs = T0 + 5 * 60_000;
    await rl.recordResponse({
      ...t,
      status: 200,
      rateLimit: { limit: 300, remaining: 2, resetAtMs },
    });
    expect((await rl.inspect(t)).account).toMatchObject({ used: 298, remaining: 2, resetAtMs });
    // A higher remaining is not trusted.
    await rl.recordResponse({ ...t, status: 200, rateLimit: { remaining: 250 } });
    expect((await grantsOf(rl, 3, 'a')).map((r) => r.kind)).toEqual([
      'granted',
      'granted',
      'denied',
    ]);
    clock.set(resetAtMs);
    expect((await rl.acquire(t)).kind).toBe('granted');
  });
});

describe('RedisRateLimiter fairness', () => {
  const scarce = (fraction: number) => ({
    budgets: { x: { mentions: { app: fr(20), account: fr(1000) } } },
    fairness: { scarceFraction: fraction },
  });

  async function rounds(rl: RedisRateLimiter): Promise<{ a: number; b: number }> {
    let a = 0;
    let b = 0;
    // A has 1000 requests, B 10, both queued: each round B's next job asks, then 100 of A's.
    for (let round = 0; round < 10; round++) {
      if ((await grantsOf(rl, 1, 'B'))[0]?.kind === 'granted') b++;
      for (let i = 0; i < 100; i++) if ((await grantsOf(rl, 1, 'A'))[0]?.kind === 'granted') a++;
      clock.advance(100);
    }
    return { a, b };
  }

  it('lets a client with 10 requests get its share against one with 1000 when the app budget is scarce', async () => {
    const fair = await rounds(limiter(scarce(0.5)));
    expect(fair.b).toBe(10);
    expect(fair.a + fair.b).toBe(20);
  });

  it('is first come first served without fairness (the baseline the test above beats)', async () => {
    const unfair = await rounds(limiter(scarce(0)));
    expect(unfair).toEqual({ a: 19, b: 1 });
  });

  it('gives the whole budget to one client when it is the only one asking', async () => {
    const rl = limiter(scarce(1));
    const got = await grantsOf(rl, 30, 'A');
    expect(got.filter((r) => r.kind === 'granted')).toHaveLength(20);
  });

  it('refuses a client ahead of its share with a short retry, then lets it go once the other is idle', async () => {
    const rl = limiter({
      ...scarce(1),
      fairness: { scarceFraction: 1, activeMs: 5000, retryMs: 700 },
    });
    await grantsOf(rl, 1, 'B');
    // A joins at B's count, so it takes one turn, then waits for B's.
    expect((await grantsOf(rl, 1, 'A'))[0]).toMatchObject({ kind: 'granted' });
    expect((await grantsOf(rl, 1, 'A'))[0]).toMatchObject({
      kind: 'denied',
      scope: 'app',
      reason: 'fair_share',
      retryInMs: 700,
    });
    clock.advance(5001);
    expect((await grantsOf(rl, 1, 'A'))[0]?.kind).toBe('granted');
  });
});

describe('RedisRateLimiter fail closed', () => {
  it('refuses with scope unavailable and counts it when Redis cannot be reached', async () => {
    const dead = new Redis({
      port: 1,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    extra.push(dead);
    const connectErrors: Error[] = [];
    dead.on('error', (err: Error) => connectErrors.push(err));
    const registry = new Registry();
    const rl = limiter({ commandTimeoutMs: 500, unavailableRetryMs: 2000 }, dead, registry);
    const r = await rl.acquire({ platform: 'x', endpoint: 'mentions', clientId: 'a' });
    expect(r).toEqual({
      kind: 'denied',
      scope: 'unavailable',
      reason: 'unavailable',
      retryInMs: 2000,
      resetAtMs: T0 + 2000,
    });
    const failClosed = await registry.getSingleMetric('ep_rate_limit_fail_closed_total')?.get();
    expect(failClosed?.values).toEqual([
      { value: 1, labels: { platform: 'x', operation: 'acquire' } },
    ]);
    expect(
      await rl.recordResponse({
        platform: 'x',
        endpoint: 'mentions',
        clientId: 'a',
        status: 429,
        rateLimit: null,
      }),
    ).toEqual({
      kind: 'unavailable',
    });
  });

  it('refuses when a Redis call hangs past the timeout', async () => {
    // A server that accepts connections and never answers.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const hung = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    extra.push(hung);
    const rl = limiter({ commandTimeoutMs: 100 }, hung, new Registry());
    const r = await rl.acquire({ platform: 'x', endpoint: 'mentions', clientId: 'a' });
    expect(r).toMatchObject({ kind: 'denied', scope: 'unavailable' });
    hung.disconnect();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('counts grants and denials by platform and scope', async () => {
    const registry = new Registry();
    const rl = limiter({}, redis, registry);
    const t = { platform: 'x', endpoint: 'dm_events', clientId: 'a' } as const;
    for (let i = 0; i < 16; i++) await rl.acquire(t);
    const grants = await registry.getSingleMetric('ep_rate_limit_grants_total')?.get();
    const denials = await registry.getSingleMetric('ep_rate_limit_denials_total')?.get();
    expect(grants?.values).toEqual([{ value: 15, labels: { platform: 'x' } }]);
    expect(denials?.values).toEqual([{ value: 1, labels: { platform: 'x', scope: 'account' } }]);
  });
});

describe('RedisRateLimiter property: never over a limit', () => {
  const APP = 12;
  const ACCT = 5;
  const WINDOW_MS = 1000;

  /** Replays the first-request window rule over granted times: no window may hold more than `limit`. */
  function maxPerWindow(times: number[]): number {
    const sorted = [...times].sort((a, b) => a - b);
    let max = 0;
    let start = -Infinity;
    let count = 0;
    for (const t of sorted) {
      if (t >= start + WINDOW_MS) {
        start = t;
        count = 0;
      }
      count++;
      max = Math.max(max, count);
    }
    return max;
  }

  it('in every window app grants <= app limit and each account grants <= its limit', async () => {
    const conns = [connectTestRedis(), connectTestRedis(), connectTestRedis(), connectTestRedis()];
    extra.push(...conns);
    let appLimitReached = 0;
    const arrival = fc.record({
      instance: fc.integer({ min: 0, max: 3 }),
      client: fc.constantFrom('a', 'b', 'c', 'd'),
      burst: fc.integer({ min: 1, max: 6 }),
      advanceMs: fc.integer({ min: 0, max: 400 }),
      feedbackRemaining: fc.option(fc.integer({ min: 0, max: ACCT }), { freq: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(arrival, { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        async (arrivals, fairOn) => {
          prefix = uniquePrefix('rlp');
          clock = new ManualClock(T0);
          const settings = {
            budgets: { x: { mentions: { app: fr(APP, WINDOW_MS), account: fr(ACCT, WINDOW_MS) } } },
            fairness: { scarceFraction: fairOn ? 0.5 : 0, activeMs: 300, retryMs: 50 },
          };
          const limiters = conns.map((c) => limiter(settings, c));
          const grants: Array<{ client: string; at: number }> = [];
          try {
            for (const a of arrivals) {
              clock.advance(a.advanceMs);
              const rl = limiters[a.instance]!;
              const results = await Promise.all(
                Array.from({ length: a.burst }, (_, i) =>
                  limiters[(a.instance + i) % limiters.length]!.acquire({
                    platform: 'x',
                    endpoint: 'mentions',
                    clientId: a.client,
                  }),
                ),
              );
              for (const r of results)
                if (r.kind === 'granted') grants.push({ client: a.client, at: clock.now() });
              if (a.feedbackRemaining !== null) {
                await rl.recordResponse({
                  platform: 'x',
                  endpoint: 'mentions',
                  clientId: a.client,
                  status: 200,
                  rateLimit: { remaining: a.feedbackRemaining },
                });
              }
            }
            const appMax = maxPerWindow(grants.map((g) => g.at));
            expect(appMax).toBeLessThanOrEqual(APP);
            if (appMax === APP) appLimitReached++;
            for (const client of ['a', 'b', 'c', 'd']) {
              expect(
                maxPerWindow(grants.filter((g) => g.client === client).map((g) => g.at)),
              ).toBeLessThanOrEqual(ACCT);
            }
          } finally {
            await deleteKeysWithPrefix(redis, prefix);
          }
        },
      ),
      { numRuns: 40 },
    );
    // The limits did bite: some runs filled an app window exactly.
    expect(appLimitReached).toBeGreaterThan(0);
  });
});
