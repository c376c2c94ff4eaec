import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../domain/clock.js';
import { createReadinessCheck, StallDetector } from './readiness.js';

describe('StallDetector', () => {
  it('is stalled only after jobs wait with none active for longer than the threshold', () => {
    const d = new StallDetector(1000);
    expect(d.observe({ waiting: 3, active: 0 }, 0)).toBe(false);
    expect(d.observe({ waiting: 3, active: 0 }, 1000)).toBe(false);
    expect(d.observe({ waiting: 3, active: 0 }, 1001)).toBe(true);
    expect(d.observe({ waiting: 3, active: 1 }, 1002)).toBe(false);
    expect(d.stuckSinceMs).toBeNull();
    expect(d.observe({ waiting: 0, active: 0 }, 5000)).toBe(false);
  });
});

describe('createReadinessCheck', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports Redis, workers and stall with the counts', async () => {
    const clock = new ManualClock(0);
    const check = createReadinessCheck({
      ping: () => Promise.resolve('PONG'),
      queueCounts: () => Promise.resolve({ waiting: 2, active: 0 }),
      isWorkersRunning: () => true,
      clock,
      stallThresholdMs: 10,
    });
    expect(await check()).toMatchObject({ redis: true, workersRunning: true, stalled: false });
    clock.advance(11);
    expect(await check()).toMatchObject({
      stalled: true,
      details: { waiting: 2, active: 0, waitingWithNoneActiveSince: '1970-01-01T00:00:00.000Z' },
    });
  });

  it('reports Redis unreachable instead of rejecting, also on a timeout', async () => {
    const failing = createReadinessCheck({
      ping: () => Promise.reject(new Error('ECONNREFUSED')),
      queueCounts: () => Promise.resolve({ waiting: 0, active: 0 }),
      isWorkersRunning: () => false,
      clock: new ManualClock(0),
    });
    expect(await failing()).toEqual({
      redis: false,
      workersRunning: false,
      stalled: false,
      details: { redisError: 'ECONNREFUSED' },
    });
    const hanging = createReadinessCheck({
      ping: () => new Promise(() => {}),
      queueCounts: () => Promise.resolve({ waiting: 0, active: 0 }),
      isWorkersRunning: () => true,
      clock: new ManualClock(0),
      timeoutMs: 1,
    });
    vi.useFakeTimers();
    const pending = hanging();
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).details).toEqual({ redisError: 'timed out after 1 ms' });
  });
});
