/**
 * The composition root: the only place that creates Redis connections, BullMQ queues and workers,
 * and wires the store, rate limiter, platform adapters, scheduler, worker and outbox relay
 * together from the configuration. Each role can run on its own (`roles`), so a deployment scales
 * schedulers, workers and relays separately.
 */
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { buildAdminApp } from '../api/app.js';
import type { ExplainResult } from '../api/deps.js';
import type { Config } from '../config/config-schema.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { PollingState, PollPolicy } from '../domain/polling-state.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import type { CredentialProvider, PlatformAdapter } from '../platforms/connector.js';
import { createPlatformAdapters } from '../platforms/index.js';
import { RedisRateLimiter } from '../rate-limit/redis-rate-limiter.js';
import { PollingScheduler } from '../scheduler/polling-scheduler.js';
import { ConfigError } from '../config/load-config.js';
import { WebhookDeadLetters } from '../sinks/dead-letters.js';
import { JsonLinesSink } from '../sinks/jsonl-sink.js';
import { OutboxRelay } from '../sinks/outbox-relay.js';
import { QueueSink } from '../sinks/queue-sink.js';
import type { Sink } from '../sinks/sink.js';
import { webhookDeadLetterKey, WebhookSink } from '../sinks/webhook-sink.js';
import { PollingStateStore } from '../store/polling-state-store.js';
import { bullPrefix, POLL_QUEUE } from '../worker/jobs.js';
import { PollProcessor, type PollOutcome } from '../worker/poll-processor.js';
import { PollWorker } from '../worker/poll-worker.js';
import { FileCredentialProvider } from './credentials/file-credential-provider.js';
import { MetricsSampler } from './metrics-sampler.js';
import { createLogger } from './logger.js';
import { createReadinessCheck } from './readiness.js';

/** Which parts run in this process. */
export interface Roles {
  scheduler?: boolean;
  worker?: boolean;
  relay?: boolean;
  /** The admin API, listening on `config.api.host`:`config.api.port`. */
  api?: boolean;
}

/** Options of {@link startRuntime}. */
export interface RuntimeOptions {
  config: Config;
  roles: Roles;
  /** @defaultValue a FileCredentialProvider over `config.credentials.file` */
  credentials?: CredentialProvider;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** @defaultValue a logger from `config.log` */
  logger?: Logger;
  /** @defaultValue new metrics on a new registry */
  metrics?: Metrics;
  /** Sinks in addition to those configured (the demo's progress counter, tests). */
  extraSinks?: Sink[];
  /** One base URL for every platform (the simulator); overrides the configured ones. */
  platformBaseUrl?: string;
  /** Platform adapters to use instead of building them (tests). */
  adapters?: Readonly<Record<PollingState['platform'], PlatformAdapter>>;
  /** Called after each poll job. */
  onPollOutcome?: (outcome: PollOutcome, data: { stateId: string; platform: string }) => void;
}

/** A running runtime. */
export interface Runtime {
  config: Config;
  redis: Redis;
  store: PollingStateStore;
  limiter: RedisRateLimiter;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  pollQueue: Queue;
  scheduler: PollingScheduler;
  worker: PollWorker | null;
  relay: OutboxRelay | null;
  /** The webhook sink's dead letters (list, replay). */
  deadLetters: WebhookDeadLetters;
  /** The admin API, when the `api` role runs. */
  api: FastifyInstance | null;
  /** Where the admin API listens (`http://host:port`), when the `api` role runs. */
  apiUrl: string | null;
  /** Stop the roles gracefully (no job is cut off) and close every connection. */
  close(): Promise<void>;
}

/** The Redis URL to use: the configuration's, or a local default. */
export function redisUrlOf(config: Config): string {
  return config.redis.url ?? 'redis://127.0.0.1:6379';
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//[redacted]@');
}

/**
 * Build and start the requested roles. If anything fails on the way (a bad setting, a port in use),
 * whatever was already opened is closed before the error is thrown, so the process can exit.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const closers: (() => Promise<unknown>)[] = [];
  try {
    return await assembleRuntime(options, closers);
  } catch (err) {
    for (const close of closers.reverse()) {
      // The start-up error is what the caller must see; a failure to close is secondary.
      await close().catch(() => undefined);
    }
    throw err;
  }
}

async function assembleRuntime(
  options: RuntimeOptions,
  closers: (() => Promise<unknown>)[],
): Promise<Runtime> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger =
    options.logger ?? createLogger({ level: config.log.level, pretty: config.log.pretty });
  const metrics = options.metrics ?? createMetrics();
  const url = redisUrlOf(config);
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  closers.push(() => Promise.resolve(redis.disconnect()));
  redis.on('error', (err: Error) => logger.error({ err: err.message }, 'redis connection error'));
  try {
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const prefix = config.redis.prefix;
  const store = new PollingStateStore({
    redis,
    prefix,
    partitions: config.redis.partitions,
    onCorrupt: (err) => logger.error({ key: err.key, err: err.message }, 'corrupt value skipped'),
  });
  const recorded = await store.recordedPartitions();
  if (recorded !== config.redis.partitions) {
    throw new ConfigError([
      {
        path: 'redis.partitions',
        source: 'EP_PARTITIONS',
        reason: `is ${config.redis.partitions}, but the data under prefix "${prefix}" was written with ${recorded} partitions; every process of a deployment must use ${recorded} (another count needs a migration)`,
      },
    ]);
  }
  const limiter = new RedisRateLimiter({
    // The deployment's prefix and registry always win over anything in EP_RATE_LIMITS.
    ...(config.rateLimits ?? {}),
    redis,
    clock,
    keyPrefix: prefix,
    registry: metrics.registry,
  });
  const connection = { url, maxRetriesPerRequest: null };
  const pollQueue = new Queue(POLL_QUEUE, { connection, prefix: bullPrefix(prefix) });
  closers.push(() => pollQueue.close());
  const scheduler = new PollingScheduler({
    stateStore: store,
    queue: pollQueue,
    clock,
    metrics,
    logger,
    intervals: config.intervals,
    batchLimits: config.batchLimits,
    maxErrors: config.maxErrors,
    probeIntervalMs: config.probeIntervalMs,
    leaseMs: config.scheduler.leaseMs,
    tickMs: config.scheduler.tickMs,
    tickJitterRatio: config.scheduler.jitterRatio,
  });

  const base = options.platformBaseUrl;
  const buildAdapters = (credentials: CredentialProvider) =>
    options.adapters ??
    createPlatformAdapters({
      credentials,
      clock,
      x: {
        baseUrl: base ?? config.platforms.x.baseUrl,
        postFieldsParam: config.platforms.x.fieldsParamName as 'tweet.fields' | 'post.fields',
      },
      linkedin: {
        baseUrl: base ?? config.platforms.linkedin.baseUrl,
        linkedInVersion: config.platforms.linkedin.version,
      },
      tiktok: {
        businessBaseUrl: base ?? config.platforms.tiktok.baseUrl,
        researchBaseUrl: base ?? config.platforms.tiktok.researchBaseUrl,
      },
    });

  let endpointAdapters: Readonly<Record<PollingState['platform'], PlatformAdapter>> | null = null;
  let worker: PollWorker | null = null;
  if (options.roles.worker === true) {
    const credentials =
      options.credentials ??
      (config.credentials.file !== undefined
        ? new FileCredentialProvider({ path: config.credentials.file })
        : null);
    if (credentials === null) {
      throw new Error('a worker needs credentials: set EP_CREDENTIALS_FILE (credentials.file)');
    }
    const adapters = buildAdapters(credentials);
    endpointAdapters = adapters;
    const policyOf = (state: PollingState): Partial<PollPolicy> => ({
      intervalMs: scheduler.intervalOf(state.platform, state.resourceType),
      maxErrors: config.maxErrors,
      probeIntervalMs: config.probeIntervalMs,
      jitterRatio: config.scheduler.jitterRatio,
      backoff: config.backoff,
      adaptive: config.adaptive,
    });
    const processor = new PollProcessor({
      store,
      limiter,
      adapters,
      clock,
      policyOf,
      pageCapPerJob: config.worker.pageCapPerJob,
      lockTtlMs: config.scheduler.leaseMs,
      ledger: config.ledger,
      metrics,
      logger,
    });
    worker = new PollWorker({
      processor,
      connection,
      prefix,
      concurrency: config.worker.concurrency,
      lockDurationMs: config.worker.lockDurationMs,
      stalledIntervalMs: config.worker.stalledIntervalMs,
      logger,
      ...(options.onPollOutcome !== undefined ? { onOutcome: options.onPollOutcome } : {}),
    });
    const built = worker;
    closers.push(() => built.close());
  }

  let relay: OutboxRelay | null = null;
  const sinks: Sink[] = [...(options.extraSinks ?? [])];
  if (options.roles.relay === true) {
    if (config.sinks.queue.enabled) {
      sinks.push(
        new QueueSink({
          connection,
          prefix: bullPrefix(prefix),
          queueName: config.sinks.queue.name,
        }),
      );
    }
    const { webhook, jsonl } = config.sinks;
    if (webhook.url !== undefined && webhook.secret !== undefined) {
      const deadLetterKey = webhookDeadLetterKey(prefix);
      sinks.push(
        new WebhookSink({
          url: webhook.url,
          secret: webhook.secret,
          maxAttempts: webhook.maxAttempts,
          deadLetter: async (event, reason) => {
            await redis.lpush(
              deadLetterKey,
              JSON.stringify({ event, reason, at: new Date(clock.now()).toISOString() }),
            );
            logger.error(
              { eventId: event.id, reason },
              'webhook delivery failed; event dead-lettered',
            );
          },
        }),
      );
    }
    if (jsonl.path !== undefined) {
      sinks.push(
        jsonl.path === '-'
          ? new JsonLinesSink({ stream: process.stdout })
          : new JsonLinesSink({ path: jsonl.path }),
      );
    }
    closers.push(async () => {
      for (const sink of sinks) await sink.close?.();
    });
    relay = new OutboxRelay({
      redis,
      streams: store.outboxKeys(),
      sinks,
      consumer: `relay-${hostname()}-${process.pid}`,
      metrics,
      logger,
    });
  }

  let api: FastifyInstance | null = null;
  let apiUrl: string | null = null;
  if (options.roles.api === true) {
    // The API only needs each resource type's endpoint key, never a token: adapters built here
    // (API-only process) get a provider that refuses, so no request can be made through them.
    const adapters =
      endpointAdapters ??
      buildAdapters({
        getCredentials: () => Promise.reject(new Error('the api role makes no platform requests')),
      });
    api = buildAdminApp({
      store,
      metrics,
      clock,
      auth: config.api,
      logger,
      policy: { maxErrors: config.maxErrors, probeIntervalMs: config.probeIntervalMs },
      readiness: createReadinessCheck({
        ping: () => redis.ping(),
        queueCounts: async () => {
          const c = await pollQueue.getJobCounts('waiting', 'active');
          return { waiting: c.waiting ?? 0, active: c.active ?? 0 };
        },
        // An API-only process relies on the fleet's workers; it cannot see them, so it reports
        // them as running and leaves the stall rule (jobs waiting, none active) to catch a dead fleet.
        isWorkersRunning: () => worker?.isRunning() ?? options.roles.worker !== true,
        clock,
        stallThresholdMs: config.api.stallThresholdMs,
      }),
      explain: (state) => explainRateLimit(limiter, adapters, state),
    });
    try {
      await api.listen({ host: config.api.host, port: config.api.port });
    } catch (err) {
      await api.close();
      throw new Error(
        `the admin API cannot listen on ${config.api.host}:${config.api.port}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const address = api.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    apiUrl = `http://${host}:${address.port}`;
  }

  // The process that serves /metrics keeps the backlog gauges fresh.
  const sampler =
    api === null
      ? null
      : new MetricsSampler({
          store,
          metrics,
          clock,
          outboxLength: () => store.outboxLength(),
          logger,
        });

  if (options.roles.scheduler === true) scheduler.start();
  worker?.start();
  relay?.start();
  sampler?.start();
  logger.info(
    {
      roles: Object.entries(options.roles)
        .filter(([, on]) => on)
        .map(([r]) => r),
      prefix,
      ...(apiUrl !== null ? { apiUrl } : {}),
    },
    'engagement-poller started',
  );

  let closed = false;
  return {
    config,
    redis,
    store,
    limiter,
    metrics,
    logger,
    clock,
    pollQueue,
    scheduler,
    worker,
    relay,
    deadLetters: new WebhookDeadLetters({
      redis,
      prefix,
      webhook:
        config.sinks.webhook.url !== undefined && config.sinks.webhook.secret !== undefined
          ? {
              url: config.sinks.webhook.url,
              secret: config.sinks.webhook.secret,
              maxAttempts: config.sinks.webhook.maxAttempts,
            }
          : null,
    }),
    api,
    apiUrl,
    async close() {
      if (closed) return;
      closed = true;
      await sampler?.stop();
      await api?.close();
      await scheduler.stop();
      await worker?.close();
      await relay?.stop();
      for (const sink of sinks) await sink.close?.();
      await pollQueue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The rate limiter's view of a state for the admin API's "why" answer. */
async function explainRateLimit(
  limiter: RedisRateLimiter,
  adapters: Readonly<Record<PollingState['platform'], PlatformAdapter>>,
  state: PollingState,
): Promise<ExplainResult> {
  const { blockedBy } = await limiter.inspect({
    platform: state.platform,
    endpoint: adapters[state.platform].endpointOf(state.resourceType),
    clientId: state.clientId,
  });
  return {
    rateLimit:
      blockedBy === null
        ? null
        : { scope: blockedBy.scope, reason: blockedBy.reason, blockedUntilMs: blockedBy.untilMs },
  };
}

/** Options of {@link installSignalHandlers}. */
export interface SignalHandlerOptions {
  /** Ends the process. @defaultValue process.exit */
  exit?: (code: number) => void;
  /** Called once the first signal arrives, before closing (e.g. to print a summary). */
  onSignal?: (signal: NodeJS.Signals) => void;
}

/**
 * Graceful shutdown: the first SIGTERM or SIGINT closes the runtime (no job is cut off) and exits
 * 0 (1 when closing fails); a second one exits 1 at once. Returns a function that removes the
 * handlers.
 */
export function installSignalHandlers(
  runtime: Pick<Runtime, 'close' | 'logger'>,
  options: SignalHandlerOptions = {},
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      runtime.logger.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    stopping = true;
    options.onSignal?.(signal);
    runtime.logger.info({ signal }, 'shutting down');
    runtime.close().then(
      () => exit(0),
      (err: unknown) => {
        runtime.logger.error({ err: (err as Error).message }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
