/**
 * PollingScheduler: claims due states and enqueues one BullMQ poll job per claim, and registers or
 * unregisters pollable resources.
 *
 * Safety with several schedulers: states are *claimed* atomically (store `claimDue`: their due score
 * moves to the end of a lease), so two schedulers never enqueue one claim; the job id is derived from
 * the state and its claim, so re-enqueueing a claim is a no-op and a completed job never blocks the
 * next poll of the resource. A claim whose job never commits simply expires and the state is due again.
 */
import type { Queue } from 'bullmq';
import { systemClock, type Clock } from '../domain/clock.js';
import { PLATFORMS, type Platform, type ResourceType } from '../domain/platform.js';
import { isSchedulable, type PollingState } from '../domain/polling-state.js';
import { deriveStateId, validateResourceRef, type ResourceRef } from '../domain/resource.js';
import type { Metrics } from '../metrics/metrics.js';
import { withSpan } from '../metrics/tracing.js';
import type { PollingStateStore, RegisterResult } from '../store/polling-state-store.js';
import { POLL_JOB, pollJobId, type PollJobData } from '../worker/jobs.js';

/** Base polling interval per platform and resource type, ms. */
export type IntervalTable = Readonly<
  Record<Platform, Readonly<Partial<Record<ResourceType, number>>>>
>;

/** Default intervals (DESIGN.md). */
export const DEFAULT_INTERVALS: IntervalTable = Object.freeze({
  tiktok: { comments: 300_000 },
  linkedin: { comments: 600_000, inbox: 300_000, mentions: 300_000 },
  x: { mentions: 60_000, replies: 300_000, dms: 300_000 },
});

/** Default batch limits per scheduling tick (DESIGN.md). */
export const DEFAULT_BATCH_LIMITS: Readonly<Record<Platform, number>> = Object.freeze({
  tiktok: 100,
  linkedin: 50,
  x: 50,
});

/** The queue operations the scheduler uses. */
export type PollQueue = Pick<Queue, 'addBulk'>;

/** Options of {@link PollingScheduler}. */
export interface PollingSchedulerOptions {
  stateStore: PollingStateStore;
  queue: PollQueue;
  /** @defaultValue DEFAULT_INTERVALS */
  intervals?: IntervalTable;
  /** States claimed per platform per tick. @defaultValue DEFAULT_BATCH_LIMITS */
  batchLimits?: Readonly<Record<Platform, number>>;
  /** Consecutive errors at which a state is only probed slowly. @defaultValue 5 */
  maxErrors?: number;
  /** Probe cadence at or over maxErrors. @defaultValue 3_600_000 */
  probeIntervalMs?: number;
  /** How long a claim keeps a state out of the due index. @defaultValue 120_000 */
  leaseMs?: number;
  /** Period of the tick loop. @defaultValue 1_000 */
  tickMs?: number;
  /** Random share of tickMs added to each wait, so processes drift apart. @defaultValue 0.2 */
  tickJitterRatio?: number;
  clock?: Clock;
  metrics?: Metrics;
  logger?: { error(obj: object, msg?: string): void };
}

/** Claims due states and enqueues poll jobs; registers and unregisters resources. */
export class PollingScheduler {
  readonly #o: PollingSchedulerOptions;
  readonly #clock: Clock;
  #timers = new Map<Platform, NodeJS.Timeout>();
  #running = false;
  #inFlight = new Set<Promise<unknown>>();

  constructor(options: PollingSchedulerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** The base interval of a resource type. */
  intervalOf(platform: Platform, resourceType: ResourceType): number {
    const table = this.#o.intervals ?? DEFAULT_INTERVALS;
    return table[platform][resourceType] ?? 300_000;
  }

  /**
   * Claim a platform's due states (up to its batch limit) and enqueue one job per claim with one
   * `addBulk`. States at or over the error threshold whose last probe is recent are put back to their
   * probe time instead. Returns the number of jobs enqueued.
   */
  async scheduleDuePollJobs(platform: Platform): Promise<number> {
    return withSpan('schedule', { 'ep.platform': platform }, async (span) => {
      const n = await this.#schedule(platform);
      span.setAttribute('ep.jobs', n);
      return n;
    });
  }

  async #schedule(platform: Platform): Promise<number> {
    const now = this.#clock.now();
    const limits = this.#o.batchLimits ?? DEFAULT_BATCH_LIMITS;
    const claimed = await this.#o.stateStore.claimDue({
      platform,
      now: new Date(now),
      leaseMs: this.#o.leaseMs ?? 120_000,
      limit: limits[platform],
    });
    const maxErrors = this.#o.maxErrors ?? 5;
    const probeMs = this.#o.probeIntervalMs ?? 3_600_000;
    const jobs: { name: string; data: PollJobData; opts: { jobId: string } }[] = [];
    for (const { state, leaseUntilMs } of claimed) {
      if (!isSchedulable(state)) {
        // Not to be polled (a write raced the claim): drop it from the due index instead of letting
        // its lease expire and claiming it again forever. Saving an unschedulable state does that.
        await this.#o.stateStore.saveIfVersion(
          { ...state, version: state.version + 1, updatedAt: new Date(now) },
          state.version,
        );
        continue;
      }
      if (this.#isProbeTooSoon(state, now, maxErrors, probeMs)) {
        await this.#deferToProbe(state, probeMs);
        continue;
      }
      jobs.push({
        name: POLL_JOB,
        data: { stateId: state.id, platform, leaseUntilMs },
        opts: { jobId: pollJobId(state.id, state.version, leaseUntilMs) },
      });
    }
    if (jobs.length > 0) {
      await this.#o.queue.addBulk(
        jobs.map((j) => ({
          ...j,
          opts: {
            ...j.opts,
            removeOnComplete: true,
            removeOnFail: { count: 1000 },
            attempts: 3,
            backoff: { type: 'exponential', delay: 1000 },
          },
        })),
      );
      this.#o.metrics?.jobsScheduled.inc({ platform }, jobs.length);
    }
    return jobs.length;
  }

  /**
   * Register a resource for polling. Idempotent: an existing resource is left as it is
   * (`created: false`). Throws a ValidationError naming the field for an invalid registration.
   */
  async registerPollableResource(params: ResourceRef): Promise<RegisterResult> {
    return this.#o.stateStore.register(params, new Date(this.#clock.now()));
  }

  /** Stop polling a resource and forget its state. Returns true when it was registered. */
  async unregisterPollableResource(params: ResourceRef): Promise<boolean> {
    const ref = validateResourceRef(params);
    // The client id is the hint a corrupt state (unreadable, so naming no client) is deleted by.
    return this.#o.stateStore.delete(deriveStateId(ref), ref.clientId);
  }

  /** Start the tick loop: every platform is scheduled about every tickMs, with jitter. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const platform of PLATFORMS) this.#arm(platform, 0);
  }

  /** Stop the tick loop and wait for ticks in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** True while the tick loop runs. */
  isRunning(): boolean {
    return this.#running;
  }

  #arm(platform: Platform, delayMs: number): void {
    if (!this.#running) return;
    const timer = setTimeout(() => {
      const tick = this.#tick(platform);
      this.#inFlight.add(tick);
      void tick.finally(() => {
        this.#inFlight.delete(tick);
        const base = this.#o.tickMs ?? 1000;
        const jitter = base * (this.#o.tickJitterRatio ?? 0.2) * Math.random();
        this.#arm(platform, base + jitter);
      });
    }, delayMs);
    timer.unref?.();
    this.#timers.set(platform, timer);
  }

  async #tick(platform: Platform): Promise<void> {
    try {
      // A full batch means more may be due: keep going (bounded) before waiting for the next tick.
      const limits = this.#o.batchLimits ?? DEFAULT_BATCH_LIMITS;
      for (let round = 0; round < 10 && this.#running; round++) {
        const n = await this.scheduleDuePollJobs(platform);
        if (n < limits[platform]) break;
      }
    } catch (err) {
      this.#o.logger?.error({ platform, err: (err as Error).message }, 'scheduling tick failed');
    }
  }

  /**
   * True for a state at or over the error threshold that is due before its slow probe, although
   * nothing changed it since that poll (a state written by an older version or by hand). An
   * operator's "poll now" writes the state after the poll (updatedAt > lastPolledAt), so it is
   * honoured.
   */
  #isProbeTooSoon(state: PollingState, nowMs: number, maxErrors: number, probeMs: number): boolean {
    return (
      state.consecutiveErrors >= maxErrors &&
      state.lastPolledAt !== null &&
      state.updatedAt.getTime() <= state.lastPolledAt.getTime() &&
      nowMs - state.lastPolledAt.getTime() < probeMs
    );
  }

  async #deferToProbe(state: PollingState, probeMs: number): Promise<void> {
    const lastPolled = state.lastPolledAt?.getTime() ?? this.#clock.now();
    const next: PollingState = {
      ...state,
      nextPollAt: new Date(lastPolled + probeMs),
      version: state.version + 1,
      updatedAt: new Date(this.#clock.now()),
    };
    await this.#o.stateStore.saveIfVersion(next, state.version);
  }
}
