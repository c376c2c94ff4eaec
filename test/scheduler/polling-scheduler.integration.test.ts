/** The scheduler against real Redis and a real BullMQ queue (the spec's scenarios and more). */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { updatePollingState, type PollingState } from '../../src/domain/polling-state.js';
import { PollingScheduler } from '../../src/scheduler/polling-scheduler.js';
import { PollingStateStore } from '../../src/store/polling-state-store.js';
import { bullPrefix, POLL_QUEUE, pollJobId } from '../../src/worker/jobs.js';
import {
  connectTestRedis,
  deleteKeysWithPrefix,
  testRedisUrl,
  uniquePrefix,
} from '../helpers/redis.js';

const T0 = Date.UTC(2026, 4, 1);
let redis: Redis;
let prefix: string;
let clock: ManualClock;
let store: PollingStateStore;
let queue: Queue;
let scheduler: PollingScheduler;
const prefixes: string[] = [];

beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  for (const p of prefixes) {
    await deleteKeysWithPrefix(redis, `${p}:`);
    await deleteKeysWithPrefix(redis, bullPrefix(p));
  }
  await redis.quit();
});
beforeEach(() => {
  prefix = uniquePrefix();
  prefixes.push(prefix);
  clock = new ManualClock(T0);
  store = new PollingStateStore({ redis, prefix });
  queue = new Queue(POLL_QUEUE, {
    connection: { url: testRedisUrl() },
    prefix: bullPrefix(prefix),
  });
  scheduler = new PollingScheduler({ stateStore: store, queue, clock });
});
afterEach(async () => {
  await queue.close();
});

const now = () => new Date(clock.now());

describe('PollingScheduler.scheduleDuePollJobs', () => {
  it('queues one addBulk with a job for each of two due TikTok states', async () => {
    for (const [c, v] of [
      ['client_123', '456'],
      ['client_789', '12'],
    ] as const) {
      await store.register(
        { clientId: c, platform: 'tiktok', resourceType: 'comments', resourceId: v },
        now(),
      );
    }
    const spy = vi.spyOn(queue, 'addBulk');
    expect(await scheduler.scheduleDuePollJobs('tiktok')).toBe(2);
    expect(spy).toHaveBeenCalledTimes(1);
    const jobs = spy.mock.calls[0]![0];
    expect(jobs).toHaveLength(2);
    expect(await queue.getWaitingCount()).toBe(2);
    expect(JSON.stringify(jobs)).not.toMatch(/token/i);
  });

  it('enqueues at most the X batch limit out of 100 due X states', async () => {
    for (let i = 0; i < 100; i++) {
      await store.register(
        {
          clientId: `client_${i}`,
          platform: 'x',
          resourceType: 'mentions',
          resourceId: String(i + 1),
        },
        now(),
      );
    }
    const spy = vi.spyOn(queue, 'addBulk');
    await scheduler.scheduleDuePollJobs('x');
    expect(spy.mock.calls[0]![0].length).toBeLessThanOrEqual(50);
    expect(spy.mock.calls[0]![0].length).toBe(50);
    await scheduler.scheduleDuePollJobs('x');
    expect(await queue.getWaitingCount()).toBe(100);
  });

  it('skips an unhealthy LinkedIn state until its probe time', async () => {
    const healthy = (
      await store.register(
        { clientId: 'client_1', platform: 'linkedin', resourceType: 'inbox' },
        now(),
      )
    ).state;
    let sick: PollingState = (
      await store.register(
        { clientId: 'client_2', platform: 'linkedin', resourceType: 'inbox' },
        now(),
      )
    ).state;
    for (let i = 0; i < 10; i++)
      sick = updatePollingState(sick, { success: false, error: 'down' }, now());
    sick = { ...sick, nextPollAt: now() }; // e.g. an operator's edit made it due again too early
    await store.save(sick);
    const spy = vi.spyOn(queue, 'addBulk');
    await scheduler.scheduleDuePollJobs('linkedin');
    const jobs = spy.mock.calls[0]![0];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.stateId).toBe(healthy.id);
    expect(await store.getDueScore(sick)).toBe(sick.lastPolledAt!.getTime() + 3_600_000);
  });

  it("honours an operator's poll-now of an unhealthy state", async () => {
    let sick: PollingState = (
      await store.register(
        { clientId: 'client_3', platform: 'linkedin', resourceType: 'inbox' },
        now(),
      )
    ).state;
    for (let i = 0; i < 6; i++)
      sick = updatePollingState(sick, { success: false, error: 'down' }, now());
    clock.advance(1000);
    await store.save({ ...sick, nextPollAt: now(), updatedAt: now(), version: sick.version + 1 });
    expect(await scheduler.scheduleDuePollJobs('linkedin')).toBe(1);
  });

  it('drops a paused state that is still in the due index instead of claiming it again and again', async () => {
    const s = (
      await store.register({ clientId: 'c_race', platform: 'x', resourceType: 'dms' }, now())
    ).state;
    // A writer that bypassed the store left the paused state scored in the due index.
    await redis.set(store.keys.state(s.id), JSON.stringify({ ...s, status: 'paused' }));
    expect(await scheduler.scheduleDuePollJobs('x')).toBe(0);
    expect(await store.getDueScore(s)).toBeNull();
  });

  it('does not schedule needs_reauth or paused states', async () => {
    const s = (await store.register({ clientId: 'c', platform: 'x', resourceType: 'dms' }, now()))
      .state;
    await store.save(
      updatePollingState(s, { success: false, error: 'revoked', code: 'auth' }, now()),
    );
    expect(await scheduler.scheduleDuePollJobs('x')).toBe(0);
  });

  it('names jobs by state and claim: a completed job never blocks the next poll of the resource', async () => {
    const s = (await store.register({ clientId: 'c', platform: 'x', resourceType: 'dms' }, now()))
      .state;
    await scheduler.scheduleDuePollJobs('x');
    const first = (await queue.getWaiting())[0]!;
    expect(first.id).toBe(pollJobId(s.id, s.version, T0 + 120_000));
    await first.remove();
    // The claim expires (the job "completed" without a commit); the next claim is a new job.
    clock.advance(120_000);
    expect(await scheduler.scheduleDuePollJobs('x')).toBe(1);
    const second = (await queue.getWaiting())[0]!;
    expect(second.id).not.toBe(first.id);
  });

  it('never enqueues one claim twice from two schedulers running at once', async () => {
    for (let i = 0; i < 120; i++) {
      await store.register(
        {
          clientId: `c${i % 13}`,
          platform: 'tiktok',
          resourceType: 'comments',
          resourceId: String(i + 1),
        },
        now(),
      );
    }
    const otherConn = connectTestRedis();
    const other = new PollingScheduler({
      stateStore: new PollingStateStore({ redis: otherConn, prefix }),
      queue,
      clock,
    });
    const spyCalls: string[] = [];
    const spy = vi.spyOn(queue, 'addBulk');
    await Promise.all([
      scheduler.scheduleDuePollJobs('tiktok'),
      other.scheduleDuePollJobs('tiktok'),
      scheduler.scheduleDuePollJobs('tiktok'),
    ]);
    for (const call of spy.mock.calls)
      for (const j of call[0]) spyCalls.push((j.data as { stateId: string }).stateId);
    expect(spyCalls).toHaveLength(120);
    expect(new Set(spyCalls).size).toBe(120);
    expect(await queue.getWaitingCount()).toBe(120);
    await otherConn.quit();
  });
});

describe('PollingScheduler registration', () => {
  it('registers idempotently and unregisters', async () => {
    const ref = {
      clientId: 'client_123',
      platform: 'tiktok',
      resourceType: 'comments',
      resourceId: '789',
    } as const;
    const a = await scheduler.registerPollableResource(ref);
    const b = await scheduler.registerPollableResource(ref);
    expect([a.created, b.created]).toEqual([true, false]);
    expect(b.state).toEqual(a.state);
    expect(await scheduler.unregisterPollableResource(ref)).toBe(true);
    expect(await store.exists(a.state.id)).toBe(false);
    expect(await scheduler.unregisterPollableResource(ref)).toBe(false);
  });

  it('rejects an invalid registration naming the field', async () => {
    await expect(
      scheduler.registerPollableResource({
        clientId: 'c',
        platform: 'x',
        resourceType: 'replies',
        resourceId: 'tweet_old',
      }),
    ).rejects.toThrow(/resourceId/);
  });
});

describe('PollingScheduler tick loop', () => {
  it('schedules due work on its own and stops cleanly', async () => {
    const realClockScheduler = new PollingScheduler({ stateStore: store, queue, tickMs: 20 });
    await store.register(
      { clientId: 'c', platform: 'x', resourceType: 'dms' },
      new Date(Date.now() - 1000),
    );
    realClockScheduler.start();
    expect(realClockScheduler.isRunning()).toBe(true);
    await vi.waitFor(async () => expect(await queue.getWaitingCount()).toBe(1), { timeout: 5000 });
    await realClockScheduler.stop();
    expect(realClockScheduler.isRunning()).toBe(false);
    expect(scheduler.intervalOf('x', 'mentions')).toBe(60_000);
  });
});
