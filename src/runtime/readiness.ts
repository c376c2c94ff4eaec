/**
 * Readiness for `GET /readyz`: Redis answers, workers are running, and the poll queue is not
 * stalled (jobs waiting with none active for longer than a threshold). The stall rule is a pure
 * {@link StallDetector}; {@link createReadinessCheck} wires it to the services the runtime owns.
 */
import type { ReadinessReport } from '../api/deps.js';
import type { Clock } from '../domain/clock.js';

/** Job counts of the poll queue. */
export interface QueueCounts {
  waiting: number;
  active: number;
}

/**
 * Tracks since when jobs have been waiting with none active; stalled once that has lasted longer
 * than the threshold. Any active job, or an empty queue, resets it.
 */
export class StallDetector {
  readonly #thresholdMs: number;
  #stuckSinceMs: number | null = null;

  constructor(thresholdMs: number) {
    this.#thresholdMs = thresholdMs;
  }

  /** Record counts seen at `nowMs`; true when the queue counts as stalled. */
  observe(counts: QueueCounts, nowMs: number): boolean {
    if (counts.waiting === 0 || counts.active > 0) {
      this.#stuckSinceMs = null;
      return false;
    }
    this.#stuckSinceMs ??= nowMs;
    return nowMs - this.#stuckSinceMs > this.#thresholdMs;
  }

  /** Since when jobs have waited with none active (epoch ms), or null. */
  get stuckSinceMs(): number | null {
    return this.#stuckSinceMs;
  }
}

/** Options of {@link createReadinessCheck}. */
export interface ReadinessCheckOptions {
  /** Pings Redis (e.g. `() => redis.ping()`). */
  ping: () => Promise<unknown>;
  /** The poll queue's counts (e.g. from BullMQ `queue.getJobCounts('waiting', 'active')`). */
  queueCounts: () => Promise<QueueCounts>;
  /** Whether the workers this deployment relies on are running. */
  isWorkersRunning: () => boolean;
  clock: Clock;
  /** `api.stallThresholdMs`. @defaultValue 300_000 */
  stallThresholdMs?: number;
  /** Longest wait for Redis before it counts as unreachable. @defaultValue 2_000 */
  timeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A readiness function for `buildAdminApp({ readiness })`. Never rejects. */
export function createReadinessCheck(
  options: ReadinessCheckOptions,
): () => Promise<ReadinessReport> {
  const detector = new StallDetector(options.stallThresholdMs ?? 300_000);
  const timeoutMs = options.timeoutMs ?? 2_000;
  return async () => {
    const details: Record<string, unknown> = {};
    let redis = true;
    let stalled = false;
    try {
      await withTimeout(options.ping(), timeoutMs);
      const counts = await withTimeout(options.queueCounts(), timeoutMs);
      stalled = detector.observe(counts, options.clock.now());
      details.waiting = counts.waiting;
      details.active = counts.active;
      if (detector.stuckSinceMs !== null) {
        details.waitingWithNoneActiveSince = new Date(detector.stuckSinceMs).toISOString();
      }
    } catch (err) {
      redis = false;
      details.redisError = err instanceof Error ? err.message : String(err);
    }
    return { redis, workersRunning: options.isWorkersRunning(), stalled, details };
  };
}
