/**
 * The whole pipeline (scheduler, BullMQ worker, connectors over HTTP, rate limiter, commit, outbox)
 * against the simulator, for every platform and resource type: everything published is emitted
 * exactly once, and no request goes over a limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startHarness, type Harness } from '../../src/demo/harness.js';
import { ManualClock } from '../../src/domain/clock.js';
import {
  deleteDeploymentKeys,
  connectTestRedis,
  testRedisUrl,
  uniquePrefix,
} from '../helpers/redis.js';

let harness: Harness | null = null;
let prefix = '';
afterEach(async () => {
  await harness?.close();
  harness = null;
  const redis = connectTestRedis();
  await deleteDeploymentKeys(redis, prefix);
  await redis.quit();
});

const T0 = Date.UTC(2026, 2, 2, 9);

async function run(simulator: Parameters<typeof startHarness>[0]['simulator'], hours: number) {
  prefix = uniquePrefix('e2e');
  const clock = new ManualClock(T0);
  harness = await startHarness({
    redisUrl: testRedisUrl(),
    prefix,
    clock,
    simulator: { seed: 'e2e', clients: 3, ...simulator },
    config: { worker: { concurrency: 8 }, log: { level: 'silent' } },
    runtime: { logger: pino({ level: 'silent' }) },
  });
  const registered = await harness.registerAll();
  for (let t = 0; t < hours * 60; t += 1) {
    await harness.registerAll();
    await harness.scheduleAll();
    await harness.drain();
    clock.advance(60_000);
  }
  await harness.registerAll();
  const cutoff = clock.now();
  // Faults stop: whatever failed during the run must now be caught up, with nothing lost.
  harness.sim.faults.clear();
  await harness.catchUp({ onRound: () => Promise.resolve(void clock.advance(60_000)) });
  return { registered, comparison: await harness.compare(cutoff) };
}

describe('full polling cycle against the simulator', () => {
  it('emits every published comment, reply, mention, DM and notification exactly once', async () => {
    const { registered, comparison } = await run({}, 2);
    expect(registered).toBeGreaterThan(9);
    expect(comparison.published).toBeGreaterThan(50);
    expect(comparison.lost).toEqual([]);
    expect(comparison.duplicated).toEqual([]);
    expect(comparison.unknown).toEqual([]);
    expect(comparison.overLimit).toBe(0);
    const events = await harness!.outboxEvents();
    const kinds = new Set(events.map((e) => `${e.platform}/${e.resource.type}`));
    expect([...kinds].sort()).toEqual(
      [
        'linkedin/comments',
        'linkedin/inbox',
        'linkedin/mentions',
        'tiktok/comments',
        'x/dms',
        'x/mentions',
        'x/replies',
      ].sort(),
    );
  });

  it('still emits a late-indexed X item once, and survives duplicates across pages and deleted items', async () => {
    const { comparison } = await run(
      {
        faults: {
          lateIndexRate: 0.3,
          lateIndexDelayMs: 60_000,
          duplicateAcrossPagesRate: 0.2,
          deleteAfterServeRate: 0.1,
        },
      },
      1,
    );
    const late = harness!.sim.truth().filter((t) => t.lateIndexed);
    expect(late.length).toBeGreaterThan(0);
    expect(comparison.lost).toEqual([]);
    expect(comparison.duplicated).toEqual([]);
    expect(comparison.overLimit).toBe(0);
  });

  it('loses nothing through 5xx answers and malformed bodies', async () => {
    const { comparison } = await run({ faults: { serverErrorRate: 0.15, malformedRate: 0.1 } }, 1);
    expect(comparison.lost).toEqual([]);
    expect(comparison.duplicated).toEqual([]);
  });
});
