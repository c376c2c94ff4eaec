/**
 * The Prometheus metrics of the whole product, defined once (prom-client). Components receive the
 * `Metrics` object; the admin API serves `registry` at `GET /metrics`. Label values are platform,
 * resource type, outcome or error class: never a client id or anything secret.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric the product exports. */
export interface Metrics {
  readonly registry: Registry;
  /** Poll jobs by platform, resource type and outcome (ok, deferred, rate_limited, auth, not_found, transient, invalid_request, invalid_response, skipped, conflict). */
  readonly polls: Counter<'platform' | 'resource_type' | 'outcome'>;
  /** Events written to the outbox. */
  readonly eventsEmitted: Counter<'platform' | 'resource_type'>;
  /** Items set aside as invalid. */
  readonly itemsQuarantined: Counter<'platform'>;
  /** Items not emitted because they are older than the seen ledger's horizon (see commit-poll.lua). */
  readonly itemsBeyondHorizon: Counter<'platform'>;
  /** Platform API requests by platform, endpoint and HTTP status class. */
  readonly apiRequests: Counter<'platform' | 'endpoint' | 'status'>;
  /** Rate-limit refusals before a request (the poll was deferred). */
  readonly rateLimitDeferrals: Counter<'platform' | 'scope'>;
  /** 429 (or platform rate-limit codes) received. */
  readonly rateLimited429: Counter<'platform'>;
  /** Duration of one poll job. */
  readonly pollLatency: Histogram<'platform'>;
  /** Claimed states enqueued by the scheduler. */
  readonly jobsScheduled: Counter<'platform'>;
  /** Due states not yet claimed, per platform (sampled). */
  readonly dueBacklog: Gauge<'platform'>;
  /** Age of the oldest due state, seconds (sampled). */
  readonly oldestDueAgeSeconds: Gauge<'platform'>;
  /** Events waiting in the outbox (sampled). */
  readonly outboxLength: Gauge;
  /** Events delivered by the relay, per sink. */
  readonly relayDelivered: Counter<'sink'>;
  /** Relay delivery failures, per sink. */
  readonly relayFailures: Counter<'sink'>;
}

/** Create the metrics on a new (or given) registry. */
export function createMetrics(registry: Registry = new Registry()): Metrics {
  const r = [registry];
  return {
    registry,
    polls: new Counter({
      name: 'ep_polls_total',
      help: 'Poll jobs by platform, resource type and outcome',
      labelNames: ['platform', 'resource_type', 'outcome'],
      registers: r,
    }),
    eventsEmitted: new Counter({
      name: 'ep_events_emitted_total',
      help: 'Events written to the outbox',
      labelNames: ['platform', 'resource_type'],
      registers: r,
    }),
    itemsQuarantined: new Counter({
      name: 'ep_items_quarantined_total',
      help: 'Items that failed validation and were set aside',
      labelNames: ['platform'],
      registers: r,
    }),
    itemsBeyondHorizon: new Counter({
      name: 'ep_items_beyond_horizon_total',
      help: 'Items not emitted because they are older than the dedupe ledger horizon',
      labelNames: ['platform'],
      registers: r,
    }),
    apiRequests: new Counter({
      name: 'ep_api_requests_total',
      help: 'Platform API requests by platform, endpoint and status class',
      labelNames: ['platform', 'endpoint', 'status'],
      registers: r,
    }),
    rateLimitDeferrals: new Counter({
      name: 'ep_rate_limit_deferrals_total',
      help: 'Polls deferred because a rate budget refused',
      labelNames: ['platform', 'scope'],
      registers: r,
    }),
    rateLimited429: new Counter({
      name: 'ep_rate_limited_responses_total',
      help: 'Rate-limit responses (429 or platform codes) received',
      labelNames: ['platform'],
      registers: r,
    }),
    pollLatency: new Histogram({
      name: 'ep_poll_duration_seconds',
      help: 'Duration of one poll job',
      labelNames: ['platform'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    }),
    jobsScheduled: new Counter({
      name: 'ep_jobs_scheduled_total',
      help: 'Poll jobs enqueued by the scheduler',
      labelNames: ['platform'],
      registers: r,
    }),
    dueBacklog: new Gauge({
      name: 'ep_due_backlog',
      help: 'Due states not yet claimed (sampled)',
      labelNames: ['platform'],
      registers: r,
    }),
    oldestDueAgeSeconds: new Gauge({
      name: 'ep_oldest_due_age_seconds',
      help: 'Age of the oldest due state in seconds (sampled)',
      labelNames: ['platform'],
      registers: r,
    }),
    outboxLength: new Gauge({
      name: 'ep_outbox_length',
      help: 'Events in the outbox streams (sampled)',
      registers: r,
    }),
    relayDelivered: new Counter({
      name: 'ep_relay_delivered_total',
      help: 'Events delivered by the outbox relay, per sink',
      labelNames: ['sink'],
      registers: r,
    }),
    relayFailures: new Counter({
      name: 'ep_relay_failures_total',
      help: 'Outbox relay delivery failures, per sink',
      labelNames: ['sink'],
      registers: r,
    }),
  };
}
