/**
 * The poll processor against real Redis (store, ledger, outbox, rate limiter) with a scripted
 * platform adapter, so each paging, failure and race case can be set up exactly. The full pipeline
 * against the simulator over HTTP is tested in test/e2e.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { PlatformError } from '../../src/domain/errors.js';
import type { Platform } from '../../src/domain/platform.js';
import type { PollEvent } from '../../src/domain/poll-event.js';
import type { PollingState } from '../../src/domain/polling-state.js';
import type { PageRequest, PageResult, PlatformAdapter } from '../../src/platforms/connector.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.js';
import { PollingStateStore } from '../../src/store/polling-state-store.js';
import { PollProcessor } from '../../src/worker/poll-processor.js';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../helpers/redis.js';

const T0 = Date.UTC(2026, 2, 1, 12);

/** Ids compare as decimal numbers (like X ids); cursors are ids. */
const maxCursor = (a: string | null, b: string | null): string | null => {
  if (a === null) return b;
  if (b === null) return a;
  return BigInt(a) >= BigInt(b) ? a : b;
};

function event(clientId: string, itemId: string, timeMs: number): PollEvent {
  return {
    id: `x:${itemId}`,
    platform: 'x',
    eventType: 'mention',
    clientId,
    resource: { type: 'mentions', id: '42' },
    itemId,
    postId: itemId,
    threadId: null,
    parentId: null,
    author: { platformId: '7', displayName: 'A', username: 'a' },
    content: `item ${itemId}`,
    timestamp: new Date(timeMs).toISOString(),
    raw: { id: itemId },
  };
}

type Step = ((req: PageRequest) => PageResult | Promise<PageResult>) | PlatformError;

class ScriptedAdapter implements PlatformAdapter {
  readonly platform: Platform = 'x';
  readonly requests: PageRequest[] = [];
  steps: Step[] = [];
  endpointOf(): string {
    return 'mentions';
  }
  fetchPage(request: PageRequest): Promise<PageResult> {
    this.requests.push(request);
    const step = this.steps.shift();
    if (step === undefined) throw new Error('no scripted page left');
    if (step instanceof PlatformError) return Promise.reject(step);
    return Promise.resolve(step(request));
  }
  maxCursor = maxCursor;
}

const page =
  (
    events: PollEvent[],
    next: string | null,
    candidate: string | null,
    quarantined: PageResult['quarantined'] = [],
  ): (() => PageResult) =>
  () => ({
    events,
    quarantined,
    nextPageToken: next,
    cursorCandidate: candidate,
    rateLimit: null,
  });

let redis: Redis;
let prefix: string;
let clock: ManualClock;
let store: PollingStateStore;
let limiter: RedisRateLimiter;
let adapter: ScriptedAdapter;
let processor: PollProcessor;
const prefixes: string[] = [];

beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  for (const p of prefixes) await deleteKeysWithPrefix(redis, `${p}:`);
  await redis.quit();
});

beforeEach(() => {
  prefix = uniquePrefix();
  prefixes.push(prefix);
  clock = new ManualClock(T0);
  store = new PollingStateStore({ redis, prefix });
  limiter = new RedisRateLimiter({ redis, clock, keyPrefix: prefix, safetyMargin: 0 });
  adapter = new ScriptedAdapter();
  processor = new PollProcessor({
    store,
    limiter,
    adapters: { x: adapter, linkedin: adapter, tiktok: adapter },
    clock,
    policyOf: () => ({ intervalMs: 60_000, random: () => 0 }),
    pageCapPerJob: 3,
  });
});

async function register(clientId = 'c1'): Promise<PollingState> {
  const { state } = await store.register(
    { clientId, platform: 'x', resourceType: 'mentions', resourceId: '42' },
    new Date(clock.now()),
  );
  return state;
}

/** The state's score in its platform's due index. */
async function score(state: PollingState): Promise<number> {
  const key = store.keys.due(store.keys.partitionOf(state.id), state.platform);
  return Number(await redis.zscore(key, state.id));
}

async function outbox(): Promise<string[]> {
  const ids: string[] = [];
  for (const key of store.outboxKeys()) {
    for (const [, fields] of await redis.xrange(key, '-', '+')) ids.push(fields[1] as string);
  }
  return ids.sort();
}

const job = (state: PollingState, force = false) => ({
  stateId: state.id,
  platform: 'x' as const,
  leaseUntilMs: 1,
  ...(force ? { force } : {}),
});

describe('PollProcessor', () => {
  it('emits every new item once and commits the newest cursor', async () => {
    const s = await register();
    adapter.steps = [
      page(
        [event('c1', '103', T0 - 1), event('c1', '102', T0 - 2), event('c1', '101', T0 - 3)],
        null,
        '103',
      ),
    ];
    const out = await processor.process(job(s), 'j1');
    expect(out).toMatchObject({ kind: 'polled', pages: 1, emitted: 3 });
    expect(await outbox()).toEqual(['x:101', 'x:102', 'x:103']);
    const after = await store.get(s.id);
    expect(after?.cursor).toBe('103');
    expect(after?.nextPollAt.getTime()).toBe(T0 + 60_000);
    expect(adapter.requests[0]).toMatchObject({
      cursor: null,
      pageToken: null,
      clientId: 'c1',
      resourceId: '42',
    });
  });

  it('emits nothing again when the overlap re-reads items already emitted', async () => {
    const s = await register();
    adapter.steps = [page([event('c1', '2', T0), event('c1', '1', T0)], null, '2')];
    await processor.process(job(s), 'j1');
    clock.advance(61_000);
    adapter.steps = [
      page([event('c1', '3', T0 + 60_000), event('c1', '2', T0), event('c1', '1', T0)], null, '3'),
    ];
    const out = await processor.process(job(s), 'j2');
    expect(out).toMatchObject({ kind: 'polled', emitted: 1, duplicates: 2 });
    expect(await outbox()).toEqual(['x:1', 'x:2', 'x:3']);
  });

  it('stretches the interval after a poll with nothing new', async () => {
    const s = await register();
    adapter.steps = [page([], null, null)];
    await processor.process(job(s), 'j1');
    expect((await store.get(s.id))?.nextPollAt.getTime()).toBe(T0 + 90_000);
  });

  it('keeps paging past a short page with a next token, and commits the cursor at the walk’s end', async () => {
    const s = await register();
    adapter.steps = [
      page([event('c1', '9', T0)], 'tok2', '9'),
      (req) => {
        expect(req.pageToken).toBe('tok2');
        expect(req.cursor).toBeNull();
        return page([event('c1', '8', T0)], 'tok3', '8')();
      },
      page([event('c1', '7', T0)], null, '7'),
    ];
    const out = await processor.process(job(s), 'j1');
    expect(out).toMatchObject({ kind: 'polled', pages: 3, emitted: 3, hasMore: false });
    const after = await store.get(s.id);
    expect(after).toMatchObject({ cursor: '9', pageToken: null, pendingCursor: null });
  });

  it('continues an unfinished walk in the next job when the page cap is reached', async () => {
    const s = await register();
    adapter.steps = [
      page([event('c1', '9', T0)], 't2', '9'),
      page([event('c1', '8', T0)], 't3', null),
      page([event('c1', '7', T0)], 't4', null),
    ];
    const out = await processor.process(job(s), 'j1');
    expect(out).toMatchObject({ kind: 'polled', pages: 3, hasMore: true });
    let after = await store.get(s.id);
    expect(after).toMatchObject({ cursor: null, pageToken: 't4', pendingCursor: '9' });
    expect(after?.nextPollAt.getTime()).toBe(T0);
    adapter.steps = [page([event('c1', '6', T0)], null, null)];
    await processor.process(job(s), 'j2');
    after = await store.get(s.id);
    expect(after).toMatchObject({ cursor: '9', pageToken: null });
    expect(await outbox()).toEqual(['x:6', 'x:7', 'x:8', 'x:9']);
  });

  it('keeps a state out of the due index while its job walks with the lock kept, and due at once when the walk pauses at the cap', async () => {
    const s = await register();
    const claim = () => store.claimDue({ platform: 'x', now: new Date(clock.now()), leaseMs: 1 });
    let claimedMidWalk: number | null = null;
    let scoreMidWalk: number | null = null;
    adapter.steps = [
      page([event('c1', '9', T0)], 't2', '9'),
      async () => {
        // Page 1 committed with the lock kept: the state's nextPollAt is now, but no scheduler may
        // claim it while this job is still walking; it is scored at the lock's expiry instead.
        claimedMidWalk = (await claim()).length;
        scoreMidWalk = await score(s);
        return page([event('c1', '8', T0)], 't3', null)();
      },
      page([event('c1', '7', T0)], 't4', null),
    ];
    expect(await processor.process(job(s), 'j1')).toMatchObject({ kind: 'polled', hasMore: true });
    expect(claimedMidWalk).toBe(0);
    expect(scoreMidWalk).toBeGreaterThan(T0 + 60_000); // the lock TTL (120 s by default), not now
    expect(scoreMidWalk).toBeLessThanOrEqual(T0 + 120_000);
    // The cap's page released the lock: due now, so the next tick continues the walk.
    expect(await score(s)).toBe(T0);
    expect((await claim()).map((c) => c.state.id)).toEqual([s.id]);
  });

  it('pauses a state whose seen ledger holds another Redis type, emitting nothing, naming the key', async () => {
    const s = await register();
    await redis.set(store.keys.seen(s.id), 'not a sorted set');
    adapter.steps = [page([event('c1', '9', T0)], null, '9')];
    expect(await processor.process(job(s), 'j1')).toEqual({ kind: 'skipped', reason: 'corrupt' });
    expect(await outbox()).toEqual([]);
    const after = (await store.get(s.id))!;
    expect(after.status).toBe('paused');
    expect(after.cursor).toBeNull(); // nothing committed: the page is fetched again later
    expect(after.lastError).toContain(store.keys.seen(s.id));
    expect(after.lastError).toMatch(/holds a Redis string, not a sorted set/);
    expect(await redis.exists(store.keys.lock(s.id))).toBe(0);
    // The operator's fix: delete the key, resume; the item is emitted then, once.
    await redis.del(store.keys.seen(s.id));
    await store.saveIfVersion(
      { ...after, status: 'active', lastError: null, version: after.version + 1 },
      after.version,
    );
    adapter.steps = [page([event('c1', '9', T0)], null, '9')];
    expect(await processor.process(job(s, true), 'j2')).toMatchObject({
      kind: 'polled',
      emitted: 1,
    });
    expect(await outbox()).toEqual(['x:9']);
  });

  it('clears a lock key of another Redis type instead of failing on it', async () => {
    const s = await register();
    await redis.hset(store.keys.lock(s.id), 'junk', '1');
    adapter.steps = [page([event('c1', '9', T0)], null, '9')];
    expect(await processor.process(job(s), 'j1')).toMatchObject({ kind: 'polled', emitted: 1 });
    expect(await redis.exists(store.keys.lock(s.id))).toBe(0);
  });

  it('stops a walk at the next page boundary once asked to stop, and the next job continues it', async () => {
    const s = await register();
    adapter.steps = [
      () => {
        processor.stopWalks(); // the shutdown begins while the first page is in flight
        return page([event('c1', '9', T0)], 't2', '9')();
      },
      page([event('c1', '8', T0)], null, null),
    ];
    expect(await processor.process(job(s), 'j1')).toMatchObject({
      kind: 'polled',
      pages: 1,
      emitted: 1,
      hasMore: true,
    });
    expect(adapter.requests).toHaveLength(1);
    expect(await store.get(s.id)).toMatchObject({ cursor: null, pageToken: 't2' });
    expect(await redis.exists(store.keys.lock(s.id))).toBe(0);

    // A worker started afterwards (a new processor) finishes the walk from the committed token.
    const next = new PollProcessor({
      store,
      limiter,
      adapters: { x: adapter, linkedin: adapter, tiktok: adapter },
      clock,
      policyOf: () => ({ intervalMs: 60_000, random: () => 0 }),
    });
    expect(await next.process(job(s), 'j2')).toMatchObject({ kind: 'polled', hasMore: false });
    expect(adapter.requests[1]?.pageToken).toBe('t2');
    expect(await store.get(s.id)).toMatchObject({ cursor: '9', pageToken: null });
    expect(await outbox()).toEqual(['x:8', 'x:9']);
  });

  it('on a 429 mid-walk keeps the page token, does not move the cursor, blocks the budget, and resumes after the reset', async () => {
    let s = await register();
    adapter.steps = [page([event('c1', '5', T0)], null, '5')];
    await processor.process(job(s), 'j0');
    clock.advance(60_000);
    s = (await store.get(s.id))!;
    const resetAtMs = clock.now() + 15 * 60_000;
    adapter.steps = [
      page([event('c1', '9', T0 + 60_000)], 'tokB', '9'),
      new PlatformError('rate_limited', 'Too Many Requests', { status: 429, resetAtMs }),
    ];
    const out = await processor.process(job(s), 'j1');
    expect(out).toMatchObject({ kind: 'failed', code: 'rate_limited', emitted: 1 });
    const after = (await store.get(s.id))!;
    expect(after).toMatchObject({
      cursor: '5',
      pageToken: 'tokB',
      pendingCursor: '9',
      consecutiveErrors: 0,
      status: 'active',
    });
    expect(after.nextPollAt.getTime()).toBe(resetAtMs);
    // Before the reset the budget refuses: the job is deferred without asking the platform.
    clock.advance(60_000);
    const deferred = await processor.process(job(after, true), 'j2');
    expect(deferred).toMatchObject({ kind: 'deferred', scope: 'blocked' });
    expect(adapter.requests).toHaveLength(3);
    // After the reset the walk resumes from the kept token.
    clock.set(resetAtMs);
    adapter.steps = [
      (req) => (expect(req.pageToken).toBe('tokB'), page([event('c1', '8', T0)], null, null)()),
    ];
    const resumed = await processor.process(job((await store.get(s.id))!), 'j3');
    expect(resumed).toMatchObject({ kind: 'polled', emitted: 1 });
    expect((await store.get(s.id))?.cursor).toBe('9');
    expect(await outbox()).toEqual(['x:5', 'x:8', 'x:9']);
  });

  it.each([
    ['auth', 'needs_reauth', 0],
    ['not_found', 'paused', 0],
    ['transient', 'backing_off', 1],
    ['invalid_response', 'backing_off', 1],
  ] as const)('maps a %s failure to %s', async (code, status, errors) => {
    const s = await register();
    adapter.steps = [new PlatformError(code, `failure ${code}`)];
    const out = await processor.process(job(s), 'j1');
    expect(out).toMatchObject({ kind: 'failed', code });
    const after = (await store.get(s.id))!;
    expect(after.status).toBe(status);
    expect(after.consecutiveErrors).toBe(errors);
    expect(after.lastErrorCode).toBe(code);
    const due = await store.getDueScore(after);
    expect(due === null).toBe(status === 'needs_reauth' || status === 'paused');
  });

  it('treats an unexpected exception as transient, without leaking it as a crash', async () => {
    const s = await register();
    adapter.steps = [];
    const out = await processor.process(job(s), 'j1');
    expect(out).toMatchObject({ kind: 'failed', code: 'transient' });
    expect((await store.get(s.id))?.lastError).toMatch(/no scripted page left/);
  });

  it('defers without an error when the account budget is exhausted', async () => {
    const s = await register();
    limiter = new RedisRateLimiter({
      redis,
      clock,
      keyPrefix: prefix,
      safetyMargin: 0,
      budgets: {
        x: {
          mentions: {
            app: null,
            account: { limit: 1, windowMs: 900_000, alignment: 'first-request' },
          },
        },
      },
    });
    processor = new PollProcessor({
      store,
      limiter,
      clock,
      adapters: { x: adapter, linkedin: adapter, tiktok: adapter },
      policyOf: () => ({ intervalMs: 60_000, random: () => 0 }),
    });
    adapter.steps = [page([event('c1', '1', T0)], 'more', '1')];
    const out = await processor.process(job(s), 'j1');
    expect(out).toMatchObject({ kind: 'deferred', scope: 'account' });
    const after = (await store.get(s.id))!;
    expect(after.consecutiveErrors).toBe(0);
    expect(after.pageToken).toBe('more');
    expect(after.nextPollAt.getTime()).toBeGreaterThan(T0);
    expect(adapter.requests).toHaveLength(1);
  });

  it('skips a deleted, paused, locked or not-yet-due state without polling', async () => {
    const s = await register();
    expect(await processor.process({ ...job(s), stateId: 'f'.repeat(32) }, 'j1')).toEqual({
      kind: 'skipped',
      reason: 'missing',
    });
    await redis.set(store.keys.lock(s.id), 'other-job');
    expect(await processor.process(job(s), 'j2')).toEqual({ kind: 'skipped', reason: 'locked' });
    await redis.del(store.keys.lock(s.id));
    await store.save({ ...s, nextPollAt: new Date(T0 + 5000) });
    expect(await processor.process(job(s), 'j3')).toEqual({ kind: 'skipped', reason: 'not_due' });
    await store.save({ ...s, status: 'paused' });
    expect(await processor.process(job(s), 'j4')).toEqual({
      kind: 'skipped',
      reason: 'not_schedulable',
    });
    expect(adapter.requests).toHaveLength(0);
    expect(await redis.exists(store.keys.lock(s.id))).toBe(0);
  });

  for (const [label, corrupt] of [
    ['bad JSON', (key: string) => redis.set(key, '{"id": oops')],
    [
      'a hash (WRONGTYPE)',
      async (key: string) => {
        await redis.del(key);
        await redis.hset(key, 'status', 'active');
      },
    ],
  ] as const) {
    it(`skips and quarantines a state holding ${label}, without polling or failing the job`, async () => {
      const reports: string[] = [];
      const quiet = new PollingStateStore({ redis, prefix, onCorrupt: (e) => reports.push(e.key) });
      const worker = new PollProcessor({
        store: quiet,
        limiter,
        adapters: { x: adapter, linkedin: adapter, tiktok: adapter },
        clock,
        policyOf: () => ({ intervalMs: 60_000, random: () => 0 }),
      });
      const s = await register();
      await corrupt(store.keys.state(s.id));
      expect(await worker.process(job(s), 'j1')).toEqual({ kind: 'skipped', reason: 'corrupt' });
      // A retry of the job is skipped the same way: it never turns into a crash loop.
      expect(await worker.process(job(s), 'j1')).toEqual({ kind: 'skipped', reason: 'corrupt' });
      expect(adapter.requests).toHaveLength(0);
      expect(reports[0]).toBe(store.keys.state(s.id));
      expect(await redis.exists(store.keys.lock(s.id))).toBe(0);
      expect(await store.getDueScore(s)).toBeNull();
      expect((await store.listQuarantined()).map((q) => q.stateId)).toEqual([s.id]);
    });
  }

  it('lets the same job take its own lock again after a crash', async () => {
    const s = await register();
    await redis.set(store.keys.lock(s.id), 'j1');
    adapter.steps = [page([event('c1', '1', T0)], null, '1')];
    expect(await processor.process(job(s), 'j1')).toMatchObject({ kind: 'polled', emitted: 1 });
  });

  it('refuses the commit of a stale job: each item once, the cursor never moves backwards', async () => {
    const s = await register();
    // Job A reads the state, then stalls in the fetch while job B (its lock lapsed) polls and commits.
    let releaseA: () => void = () => {};
    let markStarted: () => void = () => {};
    const aFetched = new Promise<void>((r) => (releaseA = r));
    const aStarted = new Promise<void>((r) => (markStarted = r));
    const slow: PlatformAdapter = {
      ...adapter,
      platform: 'x',
      endpointOf: () => 'mentions',
      maxCursor,
      fetchPage: async () => {
        markStarted();
        await aFetched;
        return page([event('c1', '1', T0), event('c1', '2', T0)], null, '2')();
      },
    };
    const procA = new PollProcessor({
      store,
      limiter,
      clock,
      adapters: { x: slow, linkedin: slow, tiktok: slow },
      policyOf: () => ({ intervalMs: 60_000, random: () => 0 }),
    });
    const a = procA.process(job(s), 'jobA');
    await aStarted;
    await redis.del(store.keys.lock(s.id)); // A's lock lapses while it is still fetching
    adapter.steps = [
      page([event('c1', '3', T0), event('c1', '2', T0), event('c1', '1', T0)], null, '3'),
    ];
    expect(await processor.process(job(s), 'jobB')).toMatchObject({ kind: 'polled', emitted: 3 });
    releaseA();
    expect(await a).toEqual({ kind: 'skipped', reason: 'conflict' });
    expect((await store.get(s.id))?.cursor).toBe('3');
    expect(await outbox()).toEqual(['x:1', 'x:2', 'x:3']);
  });

  it('quarantines invalid items and still commits the rest of the page', async () => {
    const s = await register();
    adapter.steps = [
      page([event('c1', '1', T0)], null, '1', [
        { platform: 'x', reason: 'text: required', raw: { id: 'bad' } },
      ]),
    ];
    expect(await processor.process(job(s), 'j1')).toMatchObject({ kind: 'polled', emitted: 1 });
    const k = store.keys.partitionOf(s.id);
    const q = await redis.xrange(store.keys.quarantinedItems(k), '-', '+');
    expect(q).toHaveLength(1);
    expect(q[0]?.[1].join(' ')).toContain('text: required');
  });
});

describe('PollProcessor seen ledger bounds', () => {
  const MIN = 60_000;

  function boundedProcessor(maxAgeMs: number, maxCount: number) {
    const metrics = createMetrics();
    const p = new PollProcessor({
      store,
      limiter,
      adapters: { x: adapter, linkedin: adapter, tiktok: adapter },
      clock,
      policyOf: () => ({ intervalMs: MIN, random: () => 0 }),
      ledger: { maxAgeMs, maxCount },
      metrics,
    });
    const beyond = async (): Promise<number> =>
      (await metrics.itemsBeyondHorizon.get()).values.reduce((n, v) => n + v.value, 0);
    return { p, beyond };
  }

  const ledger = async (s: PollingState): Promise<string[]> =>
    redis.zrange(store.keys.seen(s.id), 0, -1);

  it('keeps the newest maxCount entries and never re-emits an item trimmed from it', async () => {
    const { p, beyond } = boundedProcessor(30 * 24 * 60 * MIN, 3);
    const s = await register();
    const ev = (i: number) => event('c1', String(i), T0 - (10 - i) * MIN);
    adapter.steps = [page([1, 2, 3, 4, 5].map(ev), null, '5')];
    expect(await p.process(job(s), 'j1')).toMatchObject({ kind: 'polled', emitted: 5 });
    expect(await ledger(s)).toEqual(['x:3', 'x:4', 'x:5']);

    // The platform hands back everything again, plus one new item.
    clock.advance(10 * MIN);
    adapter.steps = [page([1, 2, 3, 4, 5, 6].map(ev), null, '6')];
    expect(await p.process(job(s), 'j2')).toMatchObject({
      kind: 'polled',
      emitted: 1,
      duplicates: 3,
    });
    expect(await beyond()).toBe(2); // x:1 and x:2: older than the oldest entry kept
    expect(await ledger(s)).toEqual(['x:4', 'x:5', 'x:6']);
    expect(await outbox()).toEqual(['x:1', 'x:2', 'x:3', 'x:4', 'x:5', 'x:6']);
  });

  it('trims entries older than maxAge; an item older than that is counted, not emitted', async () => {
    const { p, beyond } = boundedProcessor(60 * MIN, 100);
    const s = await register();
    const old = event('c1', '1', T0 - 120 * MIN);
    const recent = event('c1', '2', T0 - 10 * MIN);
    adapter.steps = [page([old, recent], null, '2')];
    expect(await p.process(job(s), 'j1')).toMatchObject({ kind: 'polled', emitted: 1 });
    expect(await beyond()).toBe(1);
    expect(await ledger(s)).toEqual(['x:2']);

    // An hour later x:2 is 70 minutes old: still known at this commit, trimmed at its end.
    clock.advance(60 * MIN);
    const fresh = event('c1', '3', clock.now() - MIN);
    adapter.steps = [page([recent, fresh], null, '3')];
    expect(await p.process(job(s), 'j2')).toMatchObject({ emitted: 1, duplicates: 1 });
    expect(await ledger(s)).toEqual(['x:3']);

    // Seen again after its entry was trimmed: beyond the horizon, so not emitted a second time.
    clock.advance(2 * MIN);
    adapter.steps = [page([recent, fresh], null, '3')];
    expect(await p.process(job(s), 'j3')).toMatchObject({ emitted: 0, duplicates: 1 });
    expect(await beyond()).toBe(2);
    expect(await outbox()).toEqual(['x:2', 'x:3']);
  });
});
