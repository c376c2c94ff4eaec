/**
 * Rate-limit budget maths (pure): the default budgets per platform and endpoint from
 * ../shared/PLATFORMS.md (X 1.5, LinkedIn 2.6, TikTok 3.2/3.3), the zod-validated options that
 * override them, and the window arithmetic that the Lua scripts repeat (kept here so it is
 * unit-tested and so `inspect` can explain a bucket without a script).
 *
 * Windows are fixed windows of two kinds:
 * - `first-request`: a window opens at the first grant after the previous one ended and lasts
 *   `windowMs` (X: "15 minutes from the first request" per token; TikTok QPM likewise, which is
 *   the conservative reading of an unpublished window). A platform `reset` header moves the end.
 * - `utc-aligned`: windows are multiples of `windowMs` since the epoch, so a day window ends at
 *   00:00 UTC (LinkedIn, TikTok Research).
 */
import { z } from 'zod';
import type { Platform } from '../domain/platform.js';

/** How a bucket's window is placed in time. */
export const WindowAlignmentSchema = z.enum(['first-request', 'utc-aligned']);
/** How a bucket's window is placed in time. */
export type WindowAlignment = z.infer<typeof WindowAlignmentSchema>;

/** One budget: at most `limit` requests per window. */
export const BucketSpecSchema = z.strictObject({
  /** Requests allowed per window (before the safety margin). */
  limit: z.number().int().positive(),
  /** Window length in ms. */
  windowMs: z.number().int().positive(),
  /** Window placement. */
  alignment: WindowAlignmentSchema,
});
/** One budget: at most `limit` requests per window. */
export type BucketSpec = z.infer<typeof BucketSpecSchema>;

/** The two budgets one endpoint's request is charged to, and what a 429 does. */
export const EndpointBudgetSchema = z
  .strictObject({
    /**
     * Name of the app-wide bucket. Endpoints naming the same bucket share it (TikTok Business's
     * 600 QPM cap spans every Accounts API endpoint). Defaults to the endpoint key.
     */
    appBucket: z.string().min(1).optional(),
    /** The app budget (all clients), or null when the platform has none for this endpoint. */
    app: BucketSpecSchema.nullable(),
    /** The account budget (one client's token), or null when requests use an app token only. */
    account: BucketSpecSchema.nullable(),
    /**
     * Which budget a 429 blocks when the caller does not say (Research API quotas are app-wide).
     * @defaultValue 'account'
     */
    blockScopeOn429: z.enum(['app', 'account']).default('account'),
    /**
     * Fixed cool-down after a 429 without reset information (TikTok Business: 5 min). Without it a
     * 429 blocks to the end of the bucket's window (LinkedIn: next 00:00 UTC).
     */
    cooldownOn429Ms: z.number().int().positive().optional(),
  })
  .refine((b) => b.app !== null || b.account !== null, {
    message: 'an endpoint needs an app budget, an account budget, or both',
  });
/** The two budgets one endpoint's request is charged to, and what a 429 does. */
export type EndpointBudget = z.infer<typeof EndpointBudgetSchema>;

const MINUTE_MS = 60_000;
const FIFTEEN_MIN_MS = 15 * MINUTE_MS;
/** One UTC day in ms. */
export const DAY_MS = 24 * 60 * MINUTE_MS;

const x15 = (limit: number): BucketSpec => ({
  limit,
  windowMs: FIFTEEN_MIN_MS,
  alignment: 'first-request',
});
const utcDay = (limit: number): BucketSpec => ({
  limit,
  windowMs: DAY_MS,
  alignment: 'utc-aligned',
});
const perMinute = (limit: number): BucketSpec => ({
  limit,
  windowMs: MINUTE_MS,
  alignment: 'first-request',
});

/** Endpoint keys the pipeline charges requests to, per platform. */
export const ENDPOINT_KEYS = {
  x: ['mentions', 'search', 'dm_events'],
  linkedin: ['comments', 'conversations', 'notifications'],
  tiktok: ['comment_list', 'research_comment_list'],
} as const satisfies Record<Platform, readonly string[]>;

/**
 * Default budgets (PLATFORMS.md, current X tables; LinkedIn Development tier; TikTok Basic level).
 * - X: mentions and recent search 450/app and 300/user per 15 min; DM events 15/user per 15 min.
 * - LinkedIn: 500/app and 100/member per UTC day (the only published numbers; Standard tier
 *   quotas are per app and must be configured).
 * - TikTok Business: 40 QPM per account per endpoint, 600 QPM per app across all endpoints,
 *   5 min cool-down after a 40100. Research: 1,000/day per app (client token), reset 00:00 UTC.
 */
export const DEFAULT_BUDGETS: Readonly<Record<Platform, Readonly<Record<string, EndpointBudget>>>> =
  Object.freeze({
    x: {
      mentions: { app: x15(450), account: x15(300), blockScopeOn429: 'account' },
      search: { app: x15(450), account: x15(300), blockScopeOn429: 'account' },
      dm_events: { app: null, account: x15(15), blockScopeOn429: 'account' },
    },
    linkedin: {
      comments: { app: utcDay(500), account: utcDay(100), blockScopeOn429: 'account' },
      conversations: { app: utcDay(500), account: utcDay(100), blockScopeOn429: 'account' },
      notifications: { app: utcDay(500), account: utcDay(100), blockScopeOn429: 'account' },
    },
    tiktok: {
      comment_list: {
        appBucket: 'business',
        app: perMinute(600),
        account: perMinute(40),
        blockScopeOn429: 'account',
        cooldownOn429Ms: 5 * MINUTE_MS,
      },
      research_comment_list: {
        appBucket: 'research',
        app: utcDay(1000),
        account: null,
        blockScopeOn429: 'app',
      },
    },
  });

/** Fairness settings for scarce app budgets (see lua/acquire.lua for the maths). */
export const FairnessOptionsSchema = z.strictObject({
  /**
   * The app budget is scarce when what remains in its window is at most this fraction of its
   * limit; then grants go round-robin across active clients. 0 turns fairness off.
   * @defaultValue 0.2
   */
  scarceFraction: z.number().min(0).max(1).default(0.2),
  /**
   * A client counts as active (competing for the app budget) while it has asked within this long.
   * @defaultValue 10_000
   */
  activeMs: z.number().int().positive().default(10_000),
  /**
   * How long a client refused for being ahead of its share waits before asking again.
   * @defaultValue 1_000
   */
  retryMs: z.number().int().positive().default(1_000),
});
/** Fairness settings for scarce app budgets. */
export type FairnessOptions = z.infer<typeof FairnessOptionsSchema>;

/** The limiter's validated settings (the Redis connection, clock and registry come separately). */
export const RateLimiterSettingsSchema = z.strictObject({
  /**
   * First segment of every key (`<keyPrefix>:rl:{<platform>}:…`).
   * @defaultValue 'ep'
   */
  keyPrefix: z.string().min(1).default('ep'),
  /**
   * Fraction of every limit kept in reserve (0 to 0.5); the effective limit is
   * `max(1, floor(limit × (1 − safetyMargin)))`.
   * @defaultValue 0.05
   */
  safetyMargin: z.number().min(0).max(0.5).default(0.05),
  /**
   * Budget overrides, merged per endpoint over {@link DEFAULT_BUDGETS}; new endpoint keys may be
   * added.
   * @defaultValue {}
   */
  budgets: z
    .strictObject({
      x: z.record(z.string(), EndpointBudgetSchema).optional(),
      linkedin: z.record(z.string(), EndpointBudgetSchema).optional(),
      tiktok: z.record(z.string(), EndpointBudgetSchema).optional(),
    })
    .default({}),
  /** @defaultValue see {@link FairnessOptionsSchema} */
  fairness: FairnessOptionsSchema.default({
    scarceFraction: 0.2,
    activeMs: 10_000,
    retryMs: 1_000,
  }),
  /**
   * Wait suggested when Redis cannot be reached (fail closed).
   * @defaultValue 1_000
   */
  unavailableRetryMs: z.number().int().positive().default(1_000),
  /**
   * A Redis call slower than this counts as unreachable (the limiter then refuses).
   * @defaultValue 1_000
   */
  commandTimeoutMs: z.number().int().positive().default(1_000),
  /**
   * Extra lifetime given to keys beyond the moment they stop mattering, so that clock skew
   * between workers and Redis never drops a live budget or block early.
   * @defaultValue 60_000
   */
  keyTtlSlackMs: z.number().int().nonnegative().default(60_000),
});
/** Input form of the limiter settings (everything optional). */
export type RateLimiterSettingsInput = z.input<typeof RateLimiterSettingsSchema>;
/** Validated limiter settings. */
export type RateLimiterSettings = z.infer<typeof RateLimiterSettingsSchema>;

/** Parse settings, listing every bad field; throws a plain Error (a configuration bug). */
export function parseRateLimiterSettings(
  input: RateLimiterSettingsInput = {},
): RateLimiterSettings {
  const parsed = RateLimiterSettingsSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid rate limiter options: ${issues.join('; ')}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** The budgets of every platform: defaults with the overrides merged in. */
export function resolveBudgets(
  settings: RateLimiterSettings,
): Record<Platform, Record<string, EndpointBudget>> {
  return {
    x: { ...DEFAULT_BUDGETS.x, ...settings.budgets.x },
    linkedin: { ...DEFAULT_BUDGETS.linkedin, ...settings.budgets.linkedin },
    tiktok: { ...DEFAULT_BUDGETS.tiktok, ...settings.budgets.tiktok },
  };
}

/** The limit actually granted up to, after keeping `safetyMargin` in reserve (never below 1). */
export function effectiveLimit(limit: number, safetyMargin: number): number {
  return Math.max(1, Math.floor(limit * (1 - safetyMargin)));
}

/**
 * App remaining at or below which the app budget is scarce and fairness applies (0: never).
 */
export function scarcityThreshold(effective: number, scarceFraction: number): number {
  return scarceFraction <= 0 ? 0 : Math.ceil(effective * scarceFraction);
}

/** End (epoch ms, exclusive) of the window a new request at `nowMs` would open. */
export function newWindowEndMs(
  spec: Pick<BucketSpec, 'windowMs' | 'alignment'>,
  nowMs: number,
): number {
  return spec.alignment === 'utc-aligned'
    ? (Math.floor(nowMs / spec.windowMs) + 1) * spec.windowMs
    : nowMs + spec.windowMs;
}

/** Next 00:00 UTC strictly after `nowMs` (LinkedIn and TikTok daily quotas reset then). */
export function nextUtcMidnightMs(nowMs: number): number {
  return (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS;
}

/** A bucket's stored state: window end and what was used in it (absent fields: never used). */
export interface BucketState {
  windowEndMs: number | null;
  used: number;
}

/** A bucket as seen at `nowMs`: a stale window counts as fresh and full. */
export interface BucketView {
  /** Effective limit (after the safety margin). */
  limit: number;
  used: number;
  remaining: number;
  /** When the current window ends, or null when no window is open (nothing used yet). */
  resetAtMs: number | null;
}

/** How a stored bucket looks at `nowMs` (a window that has ended has all its budget back). */
export function viewBucket(state: BucketState, limit: number, nowMs: number): BucketView {
  const live = state.windowEndMs !== null && nowMs < state.windowEndMs;
  const used = live ? state.used : 0;
  return {
    limit,
    used,
    remaining: Math.max(0, limit - used),
    resetAtMs: live ? state.windowEndMs : null,
  };
}

/**
 * When a 429 without an explicit reset ends: the cool-down when the endpoint has one, else the
 * end of the bucket's window (the open one, or the one a request now would open; for UTC-aligned
 * day windows that is the next 00:00 UTC).
 */
export function defaultBlockUntilMs(
  spec: Pick<BucketSpec, 'windowMs' | 'alignment'>,
  openWindowEndMs: number | null,
  cooldownMs: number | undefined,
  nowMs: number,
): number {
  if (cooldownMs !== undefined) return nowMs + cooldownMs;
  if (openWindowEndMs !== null && openWindowEndMs > nowMs) return openWindowEndMs;
  return newWindowEndMs(spec, nowMs);
}

/**
 * When a 429 blocks until, from what the platform said: the latest of `resetAtMs` and
 * `now + retryAfterMs` when either is in the future, else `fallbackUntilMs`.
 */
export function blockUntilFromSignals(
  signals: { resetAtMs?: number | undefined; retryAfterMs?: number | undefined },
  fallbackUntilMs: number,
  nowMs: number,
): number {
  const candidates: number[] = [];
  if (signals.resetAtMs !== undefined && signals.resetAtMs > nowMs)
    candidates.push(signals.resetAtMs);
  if (signals.retryAfterMs !== undefined && signals.retryAfterMs > 0) {
    candidates.push(nowMs + signals.retryAfterMs);
  }
  return candidates.length > 0 ? Math.max(...candidates) : fallbackUntilMs;
}

/**
 * Which budget a LinkedIn 429 names: "APPLICATION DAY limit" is app-wide, "MEMBER" is the
 * member's; anything else (infrastructure protection) is taken as the member's.
 */
export function linkedInThrottleScope(message: string): 'app' | 'account' {
  return /\bAPPLICATION\b/i.test(message) ? 'app' : 'account';
}
