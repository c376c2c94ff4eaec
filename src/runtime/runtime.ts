/**
 * The composition root: the only place that creates Redis connections, BullMQ queues and workers,
 * and wires the store, rate limiter, platform adapters, scheduler, worker and outbox relay
 * together from the configuration. Each role can run on its own (`roles`), so a deployment scales
 * schedulers, workers and relays separately.
 */
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { PollingState, PollPolicy } from '../domain/polling-state.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import type { CredentialProvider, PlatformAdapter } from '../platforms/connector.js';
import { createPlatformAdapters } from '../platforms/index.js';
import { RedisRateLimiter } from '../rate-limit/redis-rate-limiter.js';
import { PollingScheduler } from '../scheduler/polling-scheduler.js';
import { JsonLinesSink } from '../sinks/jsonl-sink.js';
import { OutboxRelay } from '../sinks/outbox-relay.js';
import { QueueSink } from '../sinks/queue-sink.js';
import type { Sink } from '../sinks/sink.js';
import { WebhookSink } from '../sinks/webhook-sink.js';
import { PollingStateStore } from '../store/polling-state-store.js';
import { bullPrefix, POLL_QUEUE } from '../worker/jobs.js';
import { PollProcessor, type PollOutcome } from '../worker/poll-processor.js';
import { PollWorker } from '../worker/poll-worker.js';
import { FileCredentialProvider } from './credentials/file-credential-provider.js';
import { createLogger } from './logger.js';

/** Which parts run in this process. */
export interface Roles {
  scheduler?: boolean;
  worker?: boolean;
  relay?: boolean;
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

/** Build and start the requested roles. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger =
    options.logger ?? createLogger({ level: config.log.level, pretty: config.log.pretty });
  const metrics = options.metrics ?? createMetrics();
  const url = redisUrlOf(config);
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
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
  const limiter = new RedisRateLimiter({
    redis,
    clock,
    keyPrefix: prefix,
    registry: metrics.registry,
    ...(config.rateLimits ?? {}),
  });
  const connection = { url, maxRetriesPerRequest: null };
  const pollQueue = new Queue(POLL_QUEUE, { connection, prefix: bullPrefix(prefix) });
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
    const base = options.platformBaseUrl;
    const adapters =
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
      const deadLetterKey = `${prefix}:webhook-dead-letter`;
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
    relay = new OutboxRelay({
      redis,
      streams: store.outboxKeys(),
      sinks,
      consumer: `relay-${hostname()}-${process.pid}`,
      metrics,
      logger,
    });
  }

  if (options.roles.scheduler === true) scheduler.start();
  worker?.start();
  relay?.start();
  logger.info(
    {
      roles: Object.entries(options.roles)
        .filter(([, on]) => on)
        .map(([r]) => r),
      prefix,
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
    async close() {
      if (closed) return;
      closed = true;
      await scheduler.stop();
      await worker?.close();
      await relay?.stop();
      for (const sink of sinks) await sink.close?.();
      await pollQueue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
