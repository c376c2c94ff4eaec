/**
 * One poll job, start to end (DESIGN.md "One poll"):
 * 1. take the state's poll lock and read the state; skip if gone, unschedulable, locked or not due;
 * 2. per page: take a rate-limit grant (app + account together); no grant → defer, not an error;
 * 3. fetch one page from the stored cursor (or the pending page token of a walk in progress);
 * 4. commit the page atomically: new items to the ledger and outbox, state and due index moved,
 *    guarded by the state's version; follow pages until caught up or the per-job page cap;
 * 5. on failure, `error-policy.ts` decides; the state records why.
 *
 * A crash anywhere before a commit emits nothing and moves nothing; after it, the ledger keeps a
 * re-run from emitting the same items again. The cursor only ever moves forward (`maxCursor`).
 */
import type { Clock } from '../domain/clock.js';
import type { Platform } from '../domain/platform.js';
import {
  isSchedulable,
  updatePollingState,
  type PollingState,
  type PollPolicy,
} from '../domain/polling-state.js';
import { isPlatformError } from '../domain/errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { withSpan } from '../metrics/tracing.js';
import type { PageResult, PlatformAdapter } from '../platforms/connector.js';
import type {
  AcquireResult,
  BlockInput,
  RecordResponseInput,
} from '../rate-limit/redis-rate-limiter.js';
import type { LedgerOptions, PollingStateStore } from '../store/polling-state-store.js';
import { decideOnError } from './error-policy.js';
import type { PollJobData } from './jobs.js';

/** The part of the rate limiter a poll uses. */
export interface PollRateLimiter {
  acquire(request: {
    platform: Platform;
    endpoint: string;
    clientId: string;
  }): Promise<AcquireResult>;
  recordResponse(input: RecordResponseInput): Promise<unknown>;
  block(input: BlockInput): Promise<unknown>;
}

/** Minimal structured logger (pino-compatible). */
export interface PollLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** A logger whose every line carries these fields (pino's `child`). */
  child?(bindings: Record<string, string>): PollLogger;
}

/** How a poll job ended. */
export type PollOutcome =
  | { kind: 'polled'; pages: number; emitted: number; duplicates: number; hasMore: boolean }
  | { kind: 'deferred'; retryInMs: number; scope: string }
  | { kind: 'failed'; code: string; pages: number; emitted: number }
  | {
      kind: 'skipped';
      reason: 'missing' | 'corrupt' | 'locked' | 'not_schedulable' | 'not_due' | 'conflict';
    };

/** Options of {@link PollProcessor}. */
export interface PollProcessorOptions {
  store: PollingStateStore;
  limiter: PollRateLimiter;
  adapters: Readonly<Record<Platform, PlatformAdapter>>;
  clock: Clock;
  /** Scheduling policy per platform and resource type (interval, backoff, thresholds). */
  policyOf: (state: PollingState) => Partial<PollPolicy>;
  /** Pages fetched by one job at most; the walk continues in the next job. @defaultValue 5 */
  pageCapPerJob?: number;
  /** Poll lock TTL; longer than any job should take. @defaultValue 120_000 */
  lockTtlMs?: number;
  /** Seen-ledger bounds. @defaultValue DEFAULT_LEDGER */
  ledger?: LedgerOptions;
  metrics?: Metrics;
  logger?: PollLogger;
}

/** Runs poll jobs. Holds no per-job state, so one instance serves any concurrency. */
export class PollProcessor {
  readonly #o: PollProcessorOptions;
  readonly #pageCap: number;
  readonly #lockTtlMs: number;
  #stopping = false;

  constructor(options: PollProcessorOptions) {
    this.#o = options;
    this.#pageCap = options.pageCapPerJob ?? 5;
    this.#lockTtlMs = options.lockTtlMs ?? 120_000;
  }

  /**
   * Shutting down: walks in progress stop at their next page boundary (the page in flight, or the
   * next one when none is, is committed with the lock released) instead of running to the page cap,
   * so a graceful close is not held up for several more requests. The walk's page token is
   * committed and the state is due at once, so the next job continues where it stopped.
   */
  stopWalks(): void {
    this.#stopping = true;
  }

  /** Run one poll job. Throws only when Redis fails (BullMQ then retries the job). */
  async process(data: PollJobData, jobId: string): Promise<PollOutcome> {
    const started = this.#o.clock.now();
    const outcome = await withSpan(
      'poll',
      { 'ep.platform': data.platform, 'ep.state_id': data.stateId, 'ep.job_id': jobId },
      async (span) => {
        const result = await this.#run(data, jobId);
        span.setAttribute('ep.outcome', result.kind);
        return result;
      },
    );
    const metrics = this.#o.metrics;
    if (metrics !== undefined) {
      metrics.pollLatency.observe(
        { platform: data.platform },
        (this.#o.clock.now() - started) / 1000,
      );
    }
    return outcome;
  }

  async #run(data: PollJobData, jobId: string): Promise<PollOutcome> {
    const { store, clock } = this.#o;
    const begun = await store.beginPoll(data.stateId, jobId, this.#lockTtlMs);
    if (begun.kind !== 'ready') return this.#skip(data, begun.kind);
    let state = begun.state;
    if (!isSchedulable(state)) return this.#skip(data, 'not_schedulable', state, jobId);
    if (data.force !== true && state.nextPollAt.getTime() > clock.now()) {
      // Already polled since this claim was made (a duplicate or late job): never poll early.
      return this.#skip(data, 'not_due', state, jobId);
    }

    const adapter = this.#o.adapters[state.platform];
    const endpoint = adapter.endpointOf(state.resourceType);
    const target = { platform: state.platform, endpoint, clientId: state.clientId };
    const policy = this.#o.policyOf(state);
    let emitted = 0;
    let duplicates = 0;

    for (let page = 0; page < this.#pageCap; page++) {
      const isLastAllowed = page === this.#pageCap - 1;
      const grant = await this.#o.limiter.acquire(target);
      if (grant.kind === 'denied') {
        // Not an error: the poll waits for the budget. The state keeps its cursor and page token.
        const now = new Date(clock.now());
        const next: PollingState = {
          ...state,
          nextPollAt: new Date(now.getTime() + Math.max(1, grant.retryInMs)),
          version: state.version + 1,
          updatedAt: now,
        };
        const committed = await this.#commit(state, next, next, null, jobId, true);
        this.#count(state, 'deferred');
        this.#o.metrics?.rateLimitDeferrals.inc({ platform: state.platform, scope: grant.scope });
        if ('skipped' in committed) return { kind: 'skipped', reason: committed.skipped };
        return { kind: 'deferred', retryInMs: grant.retryInMs, scope: grant.scope };
      }

      let result: PageResult;
      try {
        result = await adapter.fetchPage({
          clientId: state.clientId,
          resourceType: state.resourceType,
          ...(state.resourceId !== undefined ? { resourceId: state.resourceId } : {}),
          cursor: state.cursor,
          pageToken: state.pageToken,
        });
      } catch (err) {
        return this.#fail(state, err, target, page, emitted, jobId, policy);
      }
      this.#o.metrics?.apiRequests.inc({ platform: state.platform, endpoint, status: '2xx' });
      if (result.rateLimit !== null) {
        await this.#o.limiter.recordResponse({
          ...target,
          rateLimit: result.rateLimit,
          status: 200,
        });
      }

      const now = new Date(clock.now());
      const continuing = state.pageToken !== null;
      const pending = continuing
        ? adapter.maxCursor(state.pendingCursor, result.cursorCandidate)
        : result.cursorCandidate;
      const walkDone = result.nextPageToken === null;
      const success = walkDone
        ? { success: true as const, cursor: adapter.maxCursor(state.cursor, pending) }
        : {
            success: true as const,
            cursor: state.cursor,
            pageToken: result.nextPageToken,
            pendingCursor: pending,
          };
      const itemsFound = result.events.length;
      const ifNew = updatePollingState(state, { ...success, itemsFound, newItems: 1 }, now, policy);
      const ifNone = updatePollingState(
        state,
        { ...success, itemsFound, newItems: 0 },
        now,
        policy,
      );
      // Shutting down: this page is the walk's last in this job (committed, lock released, due now).
      const stopping = this.#stopping;
      const release = walkDone || isLastAllowed || stopping;
      const committed = await this.#commit(state, ifNew, ifNone, result, jobId, release);
      if ('skipped' in committed) return { kind: 'skipped', reason: committed.skipped };
      emitted += committed.emitted;
      duplicates += committed.duplicates;
      state = committed.state;
      if (result.quarantined.length > 0) {
        this.#o.metrics?.itemsQuarantined.inc(
          { platform: state.platform },
          result.quarantined.length,
        );
        this.#o.logger?.warn(
          { ...logFields(state, jobId), count: result.quarantined.length },
          'items failed validation and were quarantined',
        );
      }
      if (walkDone || stopping) {
        this.#count(state, 'ok');
        return { kind: 'polled', pages: page + 1, emitted, duplicates, hasMore: !walkDone };
      }
    }
    this.#count(state, 'ok');
    return { kind: 'polled', pages: this.#pageCap, emitted, duplicates, hasMore: true };
  }

  async #fail(
    state: PollingState,
    err: unknown,
    target: { platform: Platform; endpoint: string; clientId: string },
    page: number,
    emitted: number,
    jobId: string,
    policy: Partial<PollPolicy>,
  ): Promise<PollOutcome> {
    const now = new Date(this.#o.clock.now());
    const decision = decideOnError(err, now.getTime());
    // Only a platform answer (or a failed request) is an API request; a missing credential is not.
    if (isPlatformError(err)) {
      this.#o.metrics?.apiRequests.inc({
        platform: state.platform,
        endpoint: target.endpoint,
        status: decision.code,
      });
    }
    if (decision.code === 'rate_limited') {
      this.#o.metrics?.rateLimited429.inc({ platform: state.platform });
      const block: BlockInput = { ...target };
      if (decision.blockUntilMs !== undefined) block.resetAtMs = decision.blockUntilMs;
      if (decision.retryAfterMs !== undefined) block.retryAfterMs = decision.retryAfterMs;
      await this.#o.limiter.block(block);
    }
    const next = updatePollingState(state, decision.result, now, policy);
    await this.#commit(state, next, next, null, jobId, true);
    this.#count(state, decision.code);
    this.#o.logger?.warn(
      {
        ...logFields(state, jobId),
        code: decision.code,
        consecutiveErrors: next.consecutiveErrors,
        status: next.status,
      },
      `poll failed: ${decision.result.error}`,
    );
    return { kind: 'failed', code: decision.code, pages: page, emitted };
  }

  async #commit(
    previous: PollingState,
    ifNew: PollingState,
    ifNone: PollingState,
    page: PageResult | null,
    jobId: string,
    release: boolean,
  ): Promise<
    | { emitted: number; duplicates: number; state: PollingState }
    | { skipped: 'conflict' | 'corrupt' }
  > {
    const events = page?.events ?? [];
    const quarantined = page?.quarantined ?? [];
    const res = await withSpan(
      'commit',
      { 'ep.platform': previous.platform, 'ep.state_id': previous.id, 'ep.events': events.length },
      () =>
        this.#o.store.commitPoll({
          state: ifNew,
          stateIfNoneNew: ifNone,
          expectedVersion: previous.version,
          events,
          quarantined,
          now: new Date(this.#o.clock.now()),
          lockToken: jobId,
          releaseLock: release,
          ...(this.#o.ledger !== undefined ? { ledger: this.#o.ledger } : {}),
        }),
    );
    if (res.kind === 'corrupt_ledger') {
      await this.#pauseForCorruptLedger(previous, res.key, res.redisType, jobId);
      return { skipped: 'corrupt' };
    }
    if (res.kind !== 'committed') {
      this.#o.logger?.warn(
        { ...logFields(previous, jobId), result: res.kind },
        'poll commit refused: the state changed or went away meanwhile',
      );
      this.#count(previous, 'conflict');
      return { skipped: 'conflict' };
    }
    if (res.beyondHorizon > 0) {
      // Not emitted: older than what the ledger can still tell apart from an item already emitted.
      this.#o.metrics?.itemsBeyondHorizon.inc({ platform: previous.platform }, res.beyondHorizon);
      this.#o.logger?.warn(
        { ...logFields(previous, jobId), count: res.beyondHorizon },
        'items older than the dedupe ledger horizon were not emitted (ledger.maxAgeMs, ledger.maxCount)',
      );
    }
    if (res.emitted > 0) {
      this.#o.metrics?.eventsEmitted.inc(
        { platform: previous.platform, resource_type: previous.resourceType },
        res.emitted,
      );
    }
    return res;
  }

  /**
   * The state's seen ledger holds another Redis type, so nothing can be committed without risking
   * repeats: pause the state (visible in status and why) with a message naming the key and the fix.
   */
  async #pauseForCorruptLedger(
    state: PollingState,
    key: string,
    redisType: string,
    jobId: string,
  ): Promise<void> {
    const message =
      `dedupe ledger ${key} holds a Redis ${redisType}, not a sorted set: nothing was emitted; ` +
      'delete that key (items it had recorded may then be emitted again) and resume the resource';
    this.#o.logger?.error(logFields(state, jobId), message);
    this.#count(state, 'corrupt');
    await this.#o.store.releasePollLock(state.id, jobId);
    await this.#o.store.saveIfVersion(
      {
        ...state,
        status: 'paused',
        lastError: message.slice(0, 1000),
        lastErrorCode: null,
        version: state.version + 1,
        updatedAt: new Date(this.#o.clock.now()),
      },
      state.version,
    );
  }

  async #skip(
    data: PollJobData,
    reason: 'missing' | 'corrupt' | 'locked' | 'not_schedulable' | 'not_due',
    state?: PollingState,
    jobId?: string,
  ): Promise<PollOutcome> {
    if (state !== undefined && jobId !== undefined)
      await this.#o.store.releasePollLock(state.id, jobId);
    this.#o.metrics?.polls.inc({
      platform: data.platform,
      resource_type: state?.resourceType ?? 'unknown',
      outcome: 'skipped',
    });
    return { kind: 'skipped', reason };
  }

  #count(state: PollingState, outcome: string): void {
    this.#o.metrics?.polls.inc({
      platform: state.platform,
      resource_type: state.resourceType,
      outcome,
    });
  }
}

/** The fields every log line about one poll carries (never a token). */
function logFields(state: PollingState, jobId: string): Record<string, string> {
  return {
    clientId: state.clientId,
    platform: state.platform,
    resource: `${state.resourceType}:${state.resourceId ?? '-'}`,
    stateId: state.id,
    jobId,
  };
}
