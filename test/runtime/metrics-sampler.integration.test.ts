import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { MetricsSampler } from '../../src/runtime/metrics-sampler.js';
import { PollingStateStore } from '../../src/store/polling-state-store.js';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
const prefix = uniquePrefix();
beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, `${prefix}:`);
  await redis.quit();
});

describe('MetricsSampler', () => {
  it('reports the due backlog, the age of the oldest due state and the outbox length', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new PollingStateStore({ redis, prefix });
    await store.register(
      { clientId: 'a', platform: 'x', resourceType: 'dms' },
      new Date(clock.now()),
    );
    await store.register(
      { clientId: 'b', platform: 'x', resourceType: 'dms' },
      new Date(clock.now() + 1000),
    );
    clock.advance(30_000);
    const metrics = createMetrics();
    const sampler = new MetricsSampler({
      store,
      metrics,
      clock,
      outboxLength: () => Promise.resolve(7),
    });
    sampler.start();
    await sampler.stop();
    const text = await metrics.registry.metrics();
    expect(text).toContain('ep_due_backlog{platform="x"} 2');
    expect(text).toContain('ep_due_backlog{platform="tiktok"} 0');
    expect(text).toContain('ep_oldest_due_age_seconds{platform="x"} 30');
    expect(text).toContain('ep_outbox_length 7');
  });
});

describe('metrics registry shared with the rate limiter', () => {
  it('keeps the limiter’s fail-closed counter (platform and operation labels) working on it', async () => {
    const { RedisRateLimiter } = await import('../../src/rate-limit/redis-rate-limiter.js');
    const { Redis } = await import('ioredis');
    const metrics = createMetrics();
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    dead.on('error', () => undefined);
    const limiter = new RedisRateLimiter({
      redis: dead,
      registry: metrics.registry,
      commandTimeoutMs: 200,
    });
    const res = await limiter.acquire({ platform: 'x', endpoint: 'mentions', clientId: 'c' });
    expect(res).toMatchObject({ kind: 'denied', scope: 'unavailable' });
    expect(
      await metrics.registry.getSingleMetricAsString('ep_rate_limit_fail_closed_total'),
    ).toMatch(/ep_rate_limit_fail_closed_total\{platform="x",operation="acquire"\} 1/);
    dead.disconnect();
  });
});

describe('PollingStateStore.outboxLength', () => {
  it('counts the entries of every partition’s outbox', async () => {
    const store = new PollingStateStore({ redis, prefix, partitions: 4 });
    const [a, b] = store.outboxKeys();
    await redis.xadd(a!, '*', 'id', '1');
    await redis.xadd(b!, '*', 'id', '2');
    await redis.xadd(b!, '*', 'id', '3');
    expect(await store.outboxLength()).toBe(3);
  });
});
