/**
 * Crash safety with real processes (issue 6): poll-worker processes killed with SIGKILL at random
 * moments while they poll the simulator, and restarted; afterwards the outbox equals the ground
 * truth — nothing lost, nothing emitted twice. And a job whose BullMQ lock lapses (its worker
 * frozen with SIGSTOP) while a second worker process runs it: each item emitted once, and the
 * frozen run's stale commit, once it resumes, moves nothing back.
 *
 * Everything runs on the system clock (see `test/helpers/worker-process.ts` for why). The
 * scheduler runs in the test process; workers are separate processes with a short BullMQ lock and
 * stalled-check interval, so a killed worker's job is retried within a second or two.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/config-schema.js';
import { startHarness, type Harness, type HarnessOptions } from '../../src/demo/harness.js';
import { deriveStateId } from '../../src/domain/resource.js';
import { bullPrefix, POLL_QUEUE } from '../../src/worker/jobs.js';
import {
  connectTestRedis,
  deleteDeploymentKeys,
  testRedisUrl,
  uniquePrefix,
} from '../helpers/redis.js';
import {
  buildWorkerEntry,
  killWorker,
  NO_LIMITS,
  spawnWorker,
  stopWorker,
  waitFor,
  writeWorkerConfig,
  type WorkerProcess,
} from '../helpers/worker-processes.js';

let built: Awaited<ReturnType<typeof buildWorkerEntry>>;
beforeAll(async () => {
  built = await buildWorkerEntry();
});
afterAll(() => built.remove());

let harness: Harness | null = null;
let workers: WorkerProcess[] = [];
let prefix = '';
let dir = '';
afterEach(async () => {
  await Promise.all(workers.map((w) => stopWorker(w)));
  workers = [];
  await harness?.close();
  harness = null;
  const redis = connectTestRedis();
  await deleteDeploymentKeys(redis, prefix);
  await redis.quit();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** Start the harness (scheduler side, in this process) and write the workers' config file. */
async function setUp(
  config: ConfigInput,
  simulator: HarnessOptions['simulator'],
  roles: HarnessOptions['roles'],
): Promise<{ h: Harness; configFile: string }> {
  prefix = uniquePrefix('crash');
  dir = mkdtempSync(join(tmpdir(), 'ep-crash-'));
  const h = await startHarness({
    redisUrl: testRedisUrl(),
    prefix,
    simulator: { seed: `crash-${prefix}`, ...simulator },
    config,
    roles: roles ?? {},
    runtime: { logger: pino({ level: 'silent' }) },
  });
  harness = h;
  const configFile = writeWorkerConfig(dir, {
    redisUrl: testRedisUrl(),
    prefix,
    credentialsPath: h.credentialsPath,
    config,
  });
  return { h, configFile };
}

const sec = 1000;

describe('crash safety with worker processes', () => {
  it('emits exactly the ground truth although worker processes are SIGKILLed 50 times while polling', async () => {
    const config: ConfigInput = {
      intervals: {
        x: { mentions: sec, replies: sec, dms: sec },
        linkedin: { comments: sec, inbox: sec, mentions: sec },
        tiktok: { comments: sec },
      },
      // Keep polling at the base interval even when a poll finds nothing new.
      adaptive: { stretchFactor: 1, maxMultiplier: 1 },
      scheduler: { tickMs: 100, leaseMs: 4_000, jitterRatio: 0.1 },
      worker: { concurrency: 4, pageCapPerJob: 2, lockDurationMs: 1_500, stalledIntervalMs: 500 },
      backoff: { baseMs: 200, capMs: 2_000 },
      rateLimits: NO_LIMITS.limiter,
      log: { level: 'silent' },
    };
    const { h, configFile } = await setUp(
      config,
      {
        clients: 4,
        rateLimits: NO_LIMITS.simulator,
        // A little latency keeps requests in flight, so that kills land mid-poll.
        faults: { latencyMs: 15 },
        traffic: {
          xMentionsPerHour: 3_600,
          xRepliesPerHour: 7_200,
          xDmsPerHour: 1_800,
          linkedinCommentsPerHour: 3_600,
          linkedinMentionsPerHour: 1_800,
          linkedinMessagesPerHour: 1_800,
          tiktokCommentsPerHour: 7_200,
        },
      },
      { scheduler: true },
    );
    const events = new QueueEvents(POLL_QUEUE, {
      connection: { url: testRedisUrl() },
      prefix: bullPrefix(prefix),
    });
    let stalled = 0;
    events.on('stalled', () => void stalled++);
    await events.waitUntilReady();
    try {
      const SLOTS = 3;
      workers = Array.from({ length: SLOTS }, () =>
        spawnWorker(built.entry, configFile, h.sim.url),
      );
      await Promise.all(workers.map((w) => w.ready));
      expect(await h.registerAll()).toBeGreaterThan(50);

      // 50 kills, each of a worker that is up and polling, at a random moment 300-900 ms apart;
      // each killed worker is replaced at once (the others keep polling meanwhile).
      let kills = 0;
      while (kills < 50) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 600));
        await waitFor('a ready worker', () => workers.some((w) => w.isReady()), 60_000);
        const up = workers.map((w, i) => [w, i] as const).filter(([w]) => w.isReady());
        const [victim, slot] = up[Math.floor(Math.random() * up.length)]!;
        await killWorker(victim);
        kills++;
        workers[slot] = spawnWorker(built.entry, configFile, h.sim.url);
        if (kills % 10 === 0) await h.registerAll(); // new posts and videos appear over time
      }
      // Faults stop: every worker up, then a catch-up polls every state once more after the cut-off.
      await Promise.all(workers.map((w) => w.ready));
      await h.registerAll();
      const cutoff = Date.now();
      await h.catchUp({
        maxRounds: 100,
        onRound: () => new Promise((r) => setTimeout(r, 200)),
      });
      const comparison = await h.compare(cutoff);

      expect(kills).toBe(50);
      // The kills did interrupt jobs in flight (BullMQ found them stalled and ran them again).
      expect(stalled).toBeGreaterThan(0);
      expect(comparison.published).toBeGreaterThan(200);
      expect(comparison.lost).toEqual([]);
      expect(comparison.duplicated).toEqual([]);
      expect(comparison.unknown).toEqual([]);
      expect(comparison.overLimit).toBe(0);
    } finally {
      await events.close();
    }
  }, 240_000);
  it('emits each item once when a job whose BullMQ lock lapsed runs on a second worker, and the stale run moves nothing back', async () => {
    const config: ConfigInput = {
      // The claim's lease (and the poll lock's TTL) outlive the test: only BullMQ's lock lapses.
      scheduler: { leaseMs: 120_000 },
      worker: { concurrency: 1, lockDurationMs: 1_000, stalledIntervalMs: 300 },
      rateLimits: NO_LIMITS.limiter,
      log: { level: 'silent' },
    };
    const { h } = await setUp(
      config,
      {
        clients: 1,
        rateLimits: NO_LIMITS.simulator,
        // Every answer takes 2 s, so worker A is frozen in the middle of its fetch.
        faults: { latencyMs: 2_000 },
        traffic: { xMentionsPerHour: 36_000 },
      },
      {},
    );
    // Workers log warnings, so that the stale run's refused commit can be seen.
    const configFile = writeWorkerConfig(dir, {
      redisUrl: testRedisUrl(),
      prefix,
      credentialsPath: h.credentialsPath,
      config: { ...config, log: { level: 'warn', pretty: false } },
    });
    const ref = h.sim.world
      .resources()
      .find((r) => r.platform === 'x' && r.resourceType === 'mentions')!;
    const stateId = deriveStateId(ref);
    await waitFor('a few mentions published', () => h.sim.truth(ref).length >= 5);

    const a = spawnWorker(built.entry, configFile, h.sim.url);
    workers.push(a);
    await a.ready;
    await h.runtime.scheduler.registerPollableResource(ref);
    const before = (await h.runtime.store.get(stateId))!;
    expect(await h.scheduleAll()).toBe(1);
    // A has taken the job and the poll lock and read the state; now it waits for the answer.
    await waitFor(
      'A to begin the poll',
      async () => (await h.runtime.redis.exists(h.runtime.store.keys.lock(stateId))) === 1,
    );
    a.child.kill('SIGSTOP');

    // B finds the job stalled (A renews no lock), runs it under the same job id and commits.
    const b = spawnWorker(built.entry, configFile, h.sim.url);
    workers.push(b);
    await b.ready;
    await waitFor(
      'B to commit the job',
      async () => ((await h.runtime.store.get(stateId))?.version ?? 0) > before.version,
      60_000,
    );
    await h.drain();
    const afterB = (await h.runtime.store.get(stateId))!;
    const emittedByB = await h.outboxEvents();
    expect(afterB.cursor).not.toBeNull();
    expect(emittedByB.length).toBeGreaterThan(0);

    // A resumes: its answer arrives, and its commit (against the version it read) is refused.
    a.child.kill('SIGCONT');
    await waitFor('A to be refused', () => a.output().includes('poll commit refused'), 60_000);
    expect(await h.runtime.store.get(stateId)).toEqual(afterB);
    expect(await h.outboxEvents()).toEqual(emittedByB);

    // Later polls go on from B's cursor: everything published is emitted exactly once.
    const cutoff = Date.now();
    await h.catchUp({ maxRounds: 20 });
    const ids = (await h.outboxEvents()).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const published = h.sim.truth(ref).filter((t) => t.publishedAtMs <= cutoff);
    expect(published.map((t) => t.eventId).filter((id) => !ids.includes(id))).toEqual([]);
  }, 180_000);
});
