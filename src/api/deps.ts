/**
 * What the runtime hands the admin API. The API creates no connections of its own: every service
 * comes in here, so tests build it over a real store and fakes for the rest.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../domain/clock.js';
import type { PollingState } from '../domain/polling-state.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PollingStateStore } from '../store/polling-state-store.js';
import type { ApiAuthConfig } from './auth.js';

/** What blocks a resource in the rate limiter, as the runtime's `explain` reports it. */
export interface RateLimitBlock {
  /** Which budget refuses: `app`, `account`, `blocked` (paused after a 429), … */
  scope: string;
  /** Why, in the limiter's words (e.g. `exhausted`). */
  reason?: string;
  /** When the budget refills or the block ends, epoch ms. */
  blockedUntilMs: number;
}

/** The rate limiter's view of one resource. */
export interface ExplainResult {
  /** What refuses a poll now, or null when one would be granted. */
  rateLimit?: RateLimitBlock | null;
}

/** Readiness checks of the process. */
export interface ReadinessReport {
  /** Redis answers. */
  redis: boolean;
  /** This process's workers (or, for an API-only role, the fleet's) are running. */
  workersRunning: boolean;
  /** Jobs have waited with none active for longer than the stall threshold. */
  stalled: boolean;
  /** Anything else worth showing (counts, ages); never client data. */
  details?: Record<string, unknown>;
}

/** Scheduling settings the "why" answer compares a state against (from the configuration). */
export interface WhyPolicy {
  /** Consecutive errors at which a resource is only probed. @defaultValue 5 */
  maxErrors: number;
  /** Probe cadence at the threshold. @defaultValue 3_600_000 */
  probeIntervalMs: number;
}

/** Services and settings of {@link buildAdminApp}. */
export interface AdminApiDeps {
  store: PollingStateStore;
  metrics: Metrics;
  clock: Clock;
  /** Accepted keys; `Config['api']` fits. */
  auth: ApiAuthConfig;
  /** Readiness of the process for `GET /readyz`. */
  readiness: () => Promise<ReadinessReport>;
  /**
   * Make a resource due now. The default saves the state with `nextPollAt = now` (version-guarded;
   * an in-flight poll of the old version then fails its commit and emits nothing twice).
   * @defaultValue re-score in the store
   */
  pollNow?: (stateId: string) => Promise<void>;
  /** The rate limiter's view of a resource, for `GET …/why`. @defaultValue none (not reported) */
  explain?: (state: PollingState) => Promise<ExplainResult>;
  /** Thresholds for `GET …/why`. @defaultValue `{ maxErrors: 5, probeIntervalMs: 3_600_000 }` */
  policy?: Partial<WhyPolicy>;
  /** Request and error logs. @defaultValue no logging */
  logger?: FastifyBaseLogger;
}
