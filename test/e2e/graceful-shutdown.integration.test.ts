/**
 * Graceful shutdown of a worker process: on SIGTERM it stops taking jobs, lets the polls in flight
 * finish (their pages are committed, their BullMQ jobs completed, not left to stall), exits 0, and
 * loses nothing — a new worker picks up the jobs still waiting and the outbox then equals the
 * simulator's ground truth.
 *
 * To make the signal land while polls are in flight, every platform answer takes LATENCY_MS. The
 * test enqueues every job itself (no scheduler loop), first one X mentions poll per client (a busy,
 * account-level resource, so each of those polls has items to commit), then one poll of every other
 * resource; the queue is first in, first out, so the worker's slots fill with the mentions polls and
 * the rest wait behind them. SIGTERM is sent as soon as every slot's request has reached the
 * simulator. The worker runs the product's own signal handler (`installSignalHandlers`, see
 * `test/helpers/worker-process.ts`); everything runs on the system clock (see there for why).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/config-schema.js';
import { startHarness, type Harness } from '../../src/demo/harness.js';
import { deriveStateId } from '../../src/domain/resource.js';
import { bullPrefix, POLL_QUEUE } from '../../src/worker/jobs.js';
import type { PollOutcome } from '../../src/worker/poll-processor.js';
import {
  connectTestRedis,
  deleteDeploymentKeys,
  testRedisUrl,
  uniquePrefix,
} from '../helpers/redis.js';
import {
  buildWorkerEntry,
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
let events: QueueEvents | null = null;
afterEach(async () => {
  await Promise.all(workers.map((w) => stopWorker(w)));
  workers = [];
  await events?.close();
  events = null;
  await harness?.close();
  harness = null;
  const redis = connectTestRedis();
  await deleteDeploymentKeys(redis, prefix);
  await redis.quit();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** Every platform answer takes this long: the window in which SIGTERM lands mid-poll. */
const LATENCY_MS = 2_500;
/** Jobs the worker runs at once; also the number of clients (one in-flight poll each). */
const CONCURRENCY = 3;
/** How long the worker may take from SIGTERM to exit: the answers still due, plus slack. */
const EXIT_BOUND_MS = LATENCY_MS + 5_000;

describe('graceful shutdown of a worker process', () => {
  it('on SIGTERM stops taking jobs, completes the polls in flight, exits 0 and loses nothing', async () => {
    const config: ConfigInput = {
      // The claim's lease and the poll lock outlive a slow poll. BullMQ's lock is shorter than one
      // answer takes, so the shutting-down worker must keep renewing it until its jobs finish.
      scheduler: { leaseMs: 10_000 },
      // One page per job: each job makes exactly one platform request.
      worker: {
        concurrency: CONCURRENCY,
        pageCapPerJob: 1,
        lockDurationMs: 1_000,
        stalledIntervalMs: 500,
      },
      rateLimits: NO_LIMITS.limiter,
      // A failed close or job is logged by the worker, and shown if the test fails.
      log: { level: 'warn', pretty: false },
    };
    prefix = uniquePrefix('shutdown');
    dir = mkdtempSync(join(tmpdir(), 'ep-shutdown-'));
    const h = await startHarness({
      redisUrl: testRedisUrl(),
      prefix,
      simulator: {
        seed: 'graceful-shutdown',
        clients: CONCURRENCY,
        rateLimits: NO_LIMITS.simulator,
        faults: { latencyMs: LATENCY_MS },
        traffic: {
          xMentionsPerHour: 36_000,
          xRepliesPerHour: 3_600,
          xDmsPerHour: 3_600,
          linkedinCommentsPerHour: 3_600,
          linkedinMentionsPerHour: 3_600,
          linkedinMessagesPerHour: 3_600,
          tiktokCommentsPerHour: 3_600,
        },
      },
      config,
      // No scheduler loop: the test enqueues every job itself, so it knows each one.
      roles: {},
      runtime: { logger: pino({ level: 'silent' }) },
    });
    harness = h;
    const configFile = writeWorkerConfig(dir, {
      redisUrl: testRedisUrl(),
      prefix,
      credentialsPath: h.credentialsPath,
      config,
    });
    const { pollQueue, store, redis } = h.runtime;
    // Every job's lifecycle, in the order BullMQ recorded it (completed jobs are removed at once).
    const seen: { event: 'active' | 'completed' | 'failed' | 'stalled'; jobId: string }[] = [];
    const outcomes = new Map<string, PollOutcome>();
    events = new QueueEvents(POLL_QUEUE, {
      connection: { url: testRedisUrl() },
      prefix: bullPrefix(prefix),
    });
    events.on('active', ({ jobId }) => void seen.push({ event: 'active', jobId }));
    events.on('completed', ({ jobId, returnvalue }) => {
      seen.push({ event: 'completed', jobId });
      outcomes.set(jobId, returnvalue); // the poll processor's PollOutcome, parsed by BullMQ
    });
    events.on('failed', ({ jobId }) => void seen.push({ event: 'failed', jobId }));
    events.on('stalled', ({ jobId }) => void seen.push({ event: 'stalled', jobId }));
    await events.waitUntilReady();
    const ofKind = (event: (typeof seen)[number]['event']) =>
      seen.filter((e) => e.event === event).map((e) => e.jobId);

    // One X mentions poll per client is enqueued first, each with items waiting to be fetched;
    // then every other resource. The queue is first in, first out, so the worker's slots fill
    // with the mentions polls and everything else waits behind them.
    const mentions = h.sim.world
      .resources()
      .filter((r) => r.platform === 'x' && r.resourceType === 'mentions');
    expect(mentions).toHaveLength(CONCURRENCY);
    await waitFor('a few mentions of every client', () =>
      mentions.every((r) => h.sim.truth(r).length >= 3),
    );
    for (const r of mentions) await h.runtime.scheduler.registerPollableResource(r);
    const inFlightStates = mentions.map((r) => deriveStateId(r)).sort();
    const versionsBefore = new Map<string, number>();
    for (const id of inFlightStates) versionsBefore.set(id, (await store.get(id))!.version);
    expect(await h.scheduleAll()).toBe(CONCURRENCY);
    const inFlightIds = (await pollQueue.getWaiting(0, -1)).map((j) => j.id!).sort();
    expect(inFlightIds).toHaveLength(CONCURRENCY);
    expect(await h.registerAll()).toBeGreaterThan(30);
    const enqueuedLater = await h.scheduleAll();
    const waitingIds = (await pollQueue.getWaiting(0, -1))
      .map((j) => j.id!)
      .filter((id) => !inFlightIds.includes(id));
    expect(waitingIds).toHaveLength(enqueuedLater);
    expect(enqueuedLater).toBeGreaterThan(30);

    const a = spawnWorker(built.entry, configFile, h.sim.url);
    workers.push(a);
    await a.ready;
    // Every slot's request has reached the platform, whose answer is LATENCY_MS away.
    await waitFor('every slot to be waiting for the platform', async () => {
      const c = await pollQueue.getJobCounts('active');
      return c.active === CONCURRENCY && h.sim.stats().total === CONCURRENCY;
    });
    expect((await pollQueue.getActive()).map((j) => j.id!).sort()).toEqual(inFlightIds);
    const signalledAt = Date.now();
    a.child.kill('SIGTERM');
    const code = await Promise.race([
      a.exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), EXIT_BOUND_MS)),
    ]);
    const exitMs = Date.now() - signalledAt;
    expect(code, `worker output:\n${a.output()}`).toBe(0);
    expect(exitMs).toBeLessThan(EXIT_BOUND_MS);
    // Nothing went wrong on the way out (no failed job, commit or close was logged).
    expect(a.output()).toBe('ready\n');

    // The jobs in flight completed (not failed, not left active to stall) ...
    await waitFor('the completed events', () => ofKind('completed').length >= CONCURRENCY, 5_000);
    expect(ofKind('completed').sort()).toEqual(inFlightIds);
    for (const id of inFlightIds) {
      expect(outcomes.get(id)).toMatchObject({ kind: 'polled', pages: 1 });
      expect(await pollQueue.getJob(id)).toBeUndefined(); // removed on completion
    }
    expect(ofKind('failed')).toEqual([]);
    expect(ofKind('stalled')).toEqual([]);
    // ... and their polls committed after the signal, and released their poll locks.
    for (const id of inFlightStates) {
      const s = (await store.get(id))!;
      expect(s.version).toBeGreaterThan(versionsBefore.get(id)!);
      expect(s.consecutiveErrors).toBe(0);
      expect(s.lastPolledAt!.getTime()).toBeGreaterThanOrEqual(signalledAt);
      expect(await redis.exists(store.keys.lock(id))).toBe(0);
    }
    // No job was started after the signal: only the jobs in flight ever went active, the waiting
    // ones are untouched, and no other request reached a platform.
    expect(ofKind('active').sort()).toEqual(inFlightIds);
    expect(await pollQueue.getJobCounts('active', 'waiting', 'failed')).toEqual({
      active: 0,
      waiting: waitingIds.length,
      failed: 0,
    });
    for (const id of waitingIds) {
      const job = (await pollQueue.getJob(id))!;
      expect(await job.getState()).toBe('waiting');
      expect(job.processedOn).toBeUndefined();
    }
    expect(h.sim.stats().total).toBe(CONCURRENCY);
    // Everything the platform served to the polls in flight reached the outbox, once.
    const emitted = (await h.outboxEvents()).map((e) => e.id);
    const served = h.sim
      .truth()
      .filter((t) => t.firstServedAtMs !== null)
      .map((t) => t.eventId);
    expect(served.length).toBeGreaterThanOrEqual(3 * CONCURRENCY);
    expect([...emitted].sort()).toEqual([...served].sort());
    const emittedByJobs = inFlightIds.reduce((n, id) => {
      const o = outcomes.get(id);
      return n + (o?.kind === 'polled' ? o.emitted : 0);
    }, 0);
    expect(emittedByJobs).toBe(emitted.length);

    // A new worker takes the waiting jobs; a catch-up then polls every state after the cut-off.
    h.sim.faults.configure({ latencyMs: 0 });
    const b = spawnWorker(built.entry, configFile, h.sim.url);
    workers.push(b);
    await b.ready;
    const cutoff = Date.now();
    await h.catchUp({ maxRounds: 50 });
    await waitFor('the waiting jobs to complete', () => waitingIds.every((id) => outcomes.has(id)));
    expect(ofKind('failed')).toEqual([]);
    expect(ofKind('stalled')).toEqual([]);
    const comparison = await h.compare(cutoff);
    expect(comparison.published).toBeGreaterThan(emitted.length);
    expect(comparison.lost).toEqual([]);
    expect(comparison.duplicated).toEqual([]);
    expect(comparison.unknown).toEqual([]);
    expect(comparison.overLimit).toBe(0);
  }, 60_000);
});
