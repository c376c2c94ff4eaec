/**
 * The one schema of all configuration. Every setting, its default and its bounds are written here
 * once; `load-config.ts` fills it from a JSON file and environment variables, and
 * `docs/configuration.md` documents it. Objects are strict, so a misspelt setting is an error rather
 * than silently ignored. Only the rate limits are passed through unchecked: their schema belongs to
 * `rate-limit/` and is applied there.
 */
import { z } from 'zod';
import { DEFAULT_ADAPTIVE, DEFAULT_BACKOFF } from '../domain/backoff.js';
import { ClientIdSchema } from '../domain/resource.js';

const MINUTE_MS = 60_000;

/** A positive whole number of milliseconds. */
const durationMs = z.int().positive();
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** Secrets are at least 16 characters, so a guessable key cannot be configured by accident. */
const secretKey = z.string().min(16, 'must be at least 16 characters');

/** Polling interval per resource type of each platform (only the types the platform has). */
const IntervalsSchema = z
  .strictObject({
    tiktok: z.strictObject({ comments: durationMs.default(5 * MINUTE_MS) }).prefault({}),
    linkedin: z
      .strictObject({
        comments: durationMs.default(10 * MINUTE_MS),
        inbox: durationMs.default(5 * MINUTE_MS),
        mentions: durationMs.default(5 * MINUTE_MS),
      })
      .prefault({}),
    x: z
      .strictObject({
        mentions: durationMs.default(1 * MINUTE_MS),
        replies: durationMs.default(5 * MINUTE_MS),
        dms: durationMs.default(5 * MINUTE_MS),
      })
      .prefault({}),
  })
  .prefault({});

const batchLimit = z.int().min(1).max(10_000);

/** Log levels pino knows. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Schema of the whole configuration; parse output is the {@link Config}. */
export const ConfigSchema = z.strictObject({
  redis: z
    .strictObject({
      /** Redis URL; unset means the runtime decides (the demo starts a private Redis). */
      url: z
        .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
        .optional(),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,32}$/, 'must be 1-32 letters, digits, "_", "-" or "."')
        .default('ep'),
      partitions: z.int().min(1).max(1024).default(16),
    })
    .prefault({}),
  intervals: IntervalsSchema,
  batchLimits: z
    .strictObject({
      tiktok: batchLimit.default(100),
      linkedin: batchLimit.default(50),
      x: batchLimit.default(50),
    })
    .prefault({}),
  /** Consecutive errors after which a resource is only probed. */
  maxErrors: z.int().min(1).max(1000).default(5),
  probeIntervalMs: durationMs.default(60 * MINUTE_MS),
  backoff: z
    .strictObject({
      baseMs: durationMs.default(DEFAULT_BACKOFF.baseMs),
      capMs: durationMs.default(DEFAULT_BACKOFF.capMs),
    })
    .prefault({})
    .refine((b) => b.capMs >= b.baseMs, { message: 'capMs must be >= baseMs', path: ['capMs'] }),
  adaptive: z
    .strictObject({
      stretchFactor: z.number().min(1).max(10).default(DEFAULT_ADAPTIVE.stretchFactor),
      maxMultiplier: z.number().min(1).max(100).default(DEFAULT_ADAPTIVE.maxMultiplier),
    })
    .prefault({}),
  scheduler: z
    .strictObject({
      tickMs: durationMs.default(1000),
      jitterRatio: z.number().min(0).max(1).default(0.1),
      leaseMs: durationMs.default(120_000),
    })
    .prefault({}),
  worker: z
    .strictObject({
      concurrency: z.int().min(1).max(1000).default(10),
      pageCapPerJob: z.int().min(1).max(100).default(5),
      /** BullMQ job lock: a job whose worker stops renewing it for this long counts as stalled. */
      lockDurationMs: durationMs.default(60_000),
      /** How often a worker looks for stalled jobs (a killed worker's job runs again then). */
      stalledIntervalMs: durationMs.default(30_000),
    })
    .prefault({}),
  ledger: z
    .strictObject({
      maxAgeMs: durationMs.default(30 * 24 * 60 * MINUTE_MS),
      maxCount: z.int().min(1).default(10_000),
    })
    .prefault({}),
  platforms: z
    .strictObject({
      x: z
        .strictObject({
          baseUrl: httpUrl.default('https://api.x.com'),
          fieldsParamName: z.string().min(1).default('tweet.fields'),
        })
        .prefault({}),
      linkedin: z
        .strictObject({
          baseUrl: httpUrl.default('https://api.linkedin.com'),
          version: z
            .string()
            .regex(/^[0-9]{6}(\.[0-9]{2})?$/, 'must be a LinkedIn-Version such as 202511')
            .default('202511'),
        })
        .prefault({}),
      tiktok: z
        .strictObject({
          baseUrl: httpUrl.default('https://business-api.tiktok.com'),
          researchBaseUrl: httpUrl.default('https://open.tiktokapis.com'),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Rate-limit settings, validated by `rate-limit/` (RateLimiterSettingsSchema). */
  rateLimits: z.record(z.string(), z.unknown()).optional(),
  sinks: z
    .strictObject({
      queue: z
        .strictObject({
          enabled: z.boolean().default(false),
          name: z
            .string()
            .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "-" or "."')
            .default('engagement-events'),
        })
        .prefault({}),
      webhook: z
        .strictObject({
          url: httpUrl.optional(),
          secret: secretKey.optional(),
          maxAttempts: z.int().min(1).max(100).default(8),
        })
        .prefault({})
        // A webhook without its signing secret would silently deliver nothing: refuse it.
        .refine((w) => (w.url === undefined) === (w.secret === undefined), {
          message: 'url and secret go together: a webhook needs both (or neither)',
          path: ['secret'],
        }),
      jsonl: z
        .strictObject({
          /** File to append events to as JSON lines; `-` is stdout. */
          path: z.string().min(1).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  api: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.int().min(0).max(65_535).default(8080),
      operatorKey: secretKey.optional(),
      clientKeys: z.record(ClientIdSchema, secretKey).default({}),
      /** Jobs waiting with none active for longer than this makes /readyz fail. */
      stallThresholdMs: durationMs.default(5 * MINUTE_MS),
    })
    .prefault({}),
  credentials: z
    .strictObject({
      /** JSON file of tokens per client and platform (FileCredentialProvider). */
      file: z.string().min(1).optional(),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(LOG_LEVELS).default('info'),
      /** Human-readable logs: `auto` means when stdout is a terminal. */
      pretty: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    })
    .prefault({}),
});

/** Deeply read-only. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, frozen configuration. */
export type Config = DeepReadonly<z.output<typeof ConfigSchema>>;

/** What a configuration file may contain (every setting optional). */
export type ConfigInput = z.input<typeof ConfigSchema>;
