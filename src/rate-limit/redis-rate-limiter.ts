/**
 * The distributed rate limiter: every request the product makes is first granted here, from
 * budgets shared through Redis by all worker processes. Each request is charged to an app budget
 * (all clients) and an account budget (one client's token) in one atomic Lua step.
 *
 * Fail closed: this component guards other people's quotas, so when Redis cannot be reached (an
 * error or a call slower than `commandTimeoutMs`) `acquire` refuses with scope `unavailable` and
 * `ep_rate_limit_fail_closed_total` counts it; the poll waits. A refusal is always a value.
 */
import type { Redis } from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { systemClock, type Clock } from '../domain/clock.js';
import type { Platform } from '../domain/platform.js';
import type { RateLimitInfo } from '../domain/rate-limit-info.js';
import {
  blockUntilFromSignals,
  effectiveLimit,
  parseRateLimiterSettings,
  resolveBudgets,
  scarcityThreshold,
  viewBucket,
  type BucketSpec,
  type BucketView,
  type EndpointBudget,
  type RateLimiterSettings,
  type RateLimiterSettingsInput,
} from './budgets.js';
import { buildRateLimitKeys, type RateLimitKeys } from './keys.js';
import { runAcquire, runBlock, runFeedback, type AcquireRefusalReason } from './scripts.js';

/** Construction input of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions extends RateLimiterSettingsInput {
  /** The connection (made by the runtime; the limiter never closes it). */
  redis: Redis;
  /**
   * Source of time; every script takes time from it (not Redis TIME).
   * @defaultValue systemClock
   */
  clock?: Clock;
  /**
   * Where the metrics are registered; metrics already there under the same names are reused.
   * @defaultValue a private Registry
   */
  registry?: Registry;
}

/** Which request is asked about. */
export interface RateLimitTarget {
  platform: Platform;
  /** Endpoint key (e.g. `mentions`; see ENDPOINT_KEYS). */
  endpoint: string;
  clientId: string;
}

/** One request to charge. */
export interface AcquireRequest extends RateLimitTarget {
  /**
   * Budget units the request takes.
   * @defaultValue 1
   */
  cost?: number;
  /**
   * The client's weight in fair sharing of a scarce app budget (2 = twice the share).
   * @defaultValue 1
   */
  weight?: number;
}

/** Which budget refused. `blocked`: a 429 block; `unavailable`: Redis unreachable. */
export type DenialScope = 'app' | 'account' | 'blocked' | 'unavailable';

/** Why, in detail: the script's reason, or `unavailable`. */
export type DenialReason = AcquireRefusalReason | 'unavailable';

/** The answer to an acquire: a value, never an exception for a refusal. */
export type AcquireResult =
  | {
      kind: 'granted';
      /** App budget left in the window, or null when the endpoint has no app budget. */
      appRemaining: number | null;
      /** Account budget left in the window, or null when the endpoint has no account budget. */
      accountRemaining: number | null;
    }
  | {
      kind: 'denied';
      scope: DenialScope;
      reason: DenialReason;
      /** Ask again after this long (ms). */
      retryInMs: number;
      /** When the refusing budget refills or the block ends (epoch ms). */
      resetAtMs: number;
    };

/** What a response said, for {@link RedisRateLimiter.recordResponse}. */
export interface RecordResponseInput extends RateLimitTarget {
  rateLimit: RateLimitInfo | null;
  /** HTTP status (a rate-limit refusal in a 200 body, like TikTok's 40100, is passed as 429). */
  status: number;
  /**
   * Which budget the signals (and a 429) concern.
   * @defaultValue the endpoint's `blockScopeOn429` (usually 'account')
   */
  scope?: 'app' | 'account';
}

/** Input of {@link RedisRateLimiter.block}. */
export interface BlockInput extends RateLimitTarget {
  /** @defaultValue the endpoint's `blockScopeOn429` */
  scope?: 'app' | 'account';
  /** Platform reset (x-rate-limit-reset), epoch ms. */
  resetAtMs?: number;
  /** Retry-After or cool-down the platform asked for, ms. */
  retryAfterMs?: number;
}

/** Outcome of feedback or a block; `unavailable` when Redis could not be reached. */
export type FeedbackResult =
  { kind: 'recorded'; blockedUntilMs: number | null } | { kind: 'unavailable' };

/** One budget as `inspect` sees it. */
export interface InspectedBucket extends BucketView {
  /** Blocked (by a 429) until then, epoch ms, or null. */
  blockedUntilMs: number | null;
}

/** Admin view of the budgets one request would be charged to. */
export interface InspectResult {
  appBucket: string;
  app: InspectedBucket | null;
  account: InspectedBucket | null;
  /** What refuses a request now and until when, or null when one would be granted. */
  blockedBy: {
    scope: 'app' | 'account' | 'blocked';
    reason: AcquireRefusalReason;
    untilMs: number;
  } | null;
}

const NO_BUDGET = -1;

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The Redis-backed limiter shared by every worker process. */
export class RedisRateLimiter {
  readonly #redis: Redis;
  readonly #clock: Clock;
  readonly #settings: RateLimiterSettings;
  readonly #budgets: Record<Platform, Record<string, EndpointBudget>>;
  readonly #failClosed: Counter<'platform' | 'operation'>;
  readonly #grants: Counter<'platform'>;
  readonly #denials: Counter<'platform' | 'scope'>;

  constructor(options: RedisRateLimiterOptions) {
    const { redis, clock, registry, ...settings } = options;
    this.#redis = redis;
    this.#clock = clock ?? systemClock;
    this.#settings = parseRateLimiterSettings(settings);
    this.#budgets = resolveBudgets(this.#settings);
    const reg = registry ?? new Registry();
    this.#failClosed = counter(
      reg,
      'ep_rate_limit_fail_closed_total',
      'Rate-limit operations refused or skipped because Redis could not be reached.',
      ['platform', 'operation'],
    );
    this.#grants = counter(
      reg,
      'ep_rate_limit_grants_total',
      'Requests granted by the rate limiter.',
      ['platform'],
    );
    this.#denials = counter(
      reg,
      'ep_rate_limit_denials_total',
      'Requests refused by the rate limiter, by refusing scope.',
      ['platform', 'scope'],
    );
  }

  /** The budget of an endpoint; throws (a bug) for an unknown endpoint. */
  budgetOf(platform: Platform, endpoint: string): EndpointBudget {
    const budget = this.#budgets[platform][endpoint];
    if (budget === undefined) {
      throw new Error(`no rate-limit budget for ${platform} endpoint '${endpoint}'`);
    }
    return budget;
  }

  /**
   * Charge one request to its app and account budgets together (both or neither). Resolves to
   * `granted` or to `denied` with how long to wait; never rejects for a refusal or for Redis being
   * unreachable (that is `denied` with scope `unavailable`). Rejects only on a bug (unknown
   * endpoint, bad cost).
   */
  async acquire(request: AcquireRequest): Promise<AcquireResult> {
    const { platform, endpoint, clientId } = request;
    const cost = request.cost ?? 1;
    const weight = request.weight ?? 1;
    if (!Number.isInteger(cost) || cost < 1)
      throw new Error(`acquire cost must be an integer >= 1, got ${cost}`);
    if (!(weight > 0)) throw new Error(`acquire weight must be > 0, got ${weight}`);
    if (clientId.length === 0) throw new Error('acquire needs a clientId');
    const budget = this.budgetOf(platform, endpoint);
    const keys = this.#keys(request, budget);
    const margin = this.#settings.safetyMargin;
    const appLimit = budget.app ? effectiveLimit(budget.app.limit, margin) : NO_BUDGET;
    const accountLimit = budget.account ? effectiveLimit(budget.account.limit, margin) : NO_BUDGET;
    const fairness = this.#settings.fairness;
    const nowMs = this.#clock.now();
    try {
      const r = await this.#withTimeout(
        runAcquire(
          this.#redis,
          [
            keys.appBucket,
            keys.accountBucket,
            keys.appBlock,
            keys.accountBlock,
            keys.fairGrants,
            keys.fairSeen,
          ],
          {
            nowMs,
            cost,
            clientId,
            appLimit,
            appWindowMs: budget.app?.windowMs ?? 1,
            appAligned: budget.app?.alignment === 'utc-aligned',
            accountLimit,
            accountWindowMs: budget.account?.windowMs ?? 1,
            accountAligned: budget.account?.alignment === 'utc-aligned',
            scarceBelow:
              appLimit === NO_BUDGET ? 0 : scarcityThreshold(appLimit, fairness.scarceFraction),
            activeMs: fairness.activeMs,
            weight,
            fairRetryMs: fairness.retryMs,
            keyTtlSlackMs: this.#settings.keyTtlSlackMs,
          },
        ),
      );
      if (r.granted) {
        this.#grants.inc({ platform });
        return {
          kind: 'granted',
          appRemaining: r.appRemaining === NO_BUDGET ? null : r.appRemaining,
          accountRemaining: r.accountRemaining === NO_BUDGET ? null : r.accountRemaining,
        };
      }
      const scope = scopeOf(r.reason);
      this.#denials.inc({ platform, scope });
      return {
        kind: 'denied',
        scope,
        reason: r.reason,
        retryInMs: Math.max(0, r.retryInMs),
        resetAtMs: r.resetAtMs,
      };
    } catch (err) {
      if (isBug(err)) throw err;
      this.#failClosed.inc({ platform, operation: 'acquire' });
      this.#denials.inc({ platform, scope: 'unavailable' });
      const retryInMs = this.#settings.unavailableRetryMs;
      return {
        kind: 'denied',
        scope: 'unavailable',
        reason: 'unavailable',
        retryInMs,
        resetAtMs: nowMs + retryInMs,
      };
    }
  }

  /**
   * Correct the budget from a response. A 429 blocks the budget (see {@link block}) even when the
   * headers claim budget remains; otherwise `remaining` can only lower our budget and a future
   * `resetAtMs` moves the window end (X re-aligns the window).
   */
  async recordResponse(input: RecordResponseInput): Promise<FeedbackResult> {
    const budget = this.budgetOf(input.platform, input.endpoint);
    const scope = input.scope ?? budget.blockScopeOn429;
    const info = input.rateLimit ?? {};
    if (input.status === 429) {
      return this.block({
        platform: input.platform,
        endpoint: input.endpoint,
        clientId: input.clientId,
        scope,
        ...(info.resetAtMs === undefined ? {} : { resetAtMs: info.resetAtMs }),
        ...(info.retryAfterMs === undefined ? {} : { retryAfterMs: info.retryAfterMs }),
      });
    }
    const spec = scope === 'app' ? budget.app : budget.account;
    if (spec === null || (info.remaining === undefined && info.resetAtMs === undefined)) {
      return { kind: 'recorded', blockedUntilMs: null };
    }
    const keys = this.#keys(input, budget);
    try {
      await this.#withTimeout(
        runFeedback(this.#redis, scope === 'app' ? keys.appBucket : keys.accountBucket, {
          nowMs: this.#clock.now(),
          rawLimit: spec.limit,
          remaining: info.remaining ?? -1,
          resetAtMs: info.resetAtMs ?? -1,
          windowMs: spec.windowMs,
          aligned: spec.alignment === 'utc-aligned',
          keyTtlSlackMs: this.#settings.keyTtlSlackMs,
        }),
      );
      return { kind: 'recorded', blockedUntilMs: null };
    } catch (err) {
      if (isBug(err)) throw err;
      this.#failClosed.inc({ platform: input.platform, operation: 'feedback' });
      return { kind: 'unavailable' };
    }
  }

  /**
   * Block a budget after a rate-limit refusal, until the latest of `resetAtMs` and
   * `now + retryAfterMs`; without either, until the endpoint's cool-down (TikTok: 5 min) or the
   * end of the bucket's window (LinkedIn: next 00:00 UTC). Millisecond precision: a 300 ms block
   * lasts 300 ms. Never shortens a longer block already in place.
   */
  async block(input: BlockInput): Promise<FeedbackResult> {
    const budget = this.budgetOf(input.platform, input.endpoint);
    let scope = input.scope ?? budget.blockScopeOn429;
    if (scope === 'account' && budget.account === null) scope = 'app';
    if (scope === 'app' && budget.app === null) scope = 'account';
    const spec = (scope === 'app' ? budget.app : budget.account) as BucketSpec;
    const keys = this.#keys(input, budget);
    const nowMs = this.#clock.now();
    const untilMs = blockUntilFromSignals(input, -1, nowMs);
    try {
      const blockedUntilMs = await this.#withTimeout(
        runBlock(
          this.#redis,
          scope === 'app' ? keys.appBlock : keys.accountBlock,
          scope === 'app' ? keys.appBucket : keys.accountBucket,
          {
            nowMs,
            untilMs,
            cooldownMs: budget.cooldownOn429Ms ?? -1,
            windowMs: spec.windowMs,
            aligned: spec.alignment === 'utc-aligned',
            keyTtlSlackMs: this.#settings.keyTtlSlackMs,
          },
        ),
      );
      return { kind: 'recorded', blockedUntilMs };
    } catch (err) {
      if (isBug(err)) throw err;
      this.#failClosed.inc({ platform: input.platform, operation: 'block' });
      return { kind: 'unavailable' };
    }
  }

  /**
   * Read-only admin view: both budgets of a request, their blocks, and what would refuse a
   * request now and until when. Rejects when Redis cannot be reached.
   */
  async inspect(target: RateLimitTarget): Promise<InspectResult> {
    const budget = this.budgetOf(target.platform, target.endpoint);
    const keys = this.#keys(target, budget);
    const nowMs = this.#clock.now();
    const [app, acct, appBlock, acctBlock] = await this.#withTimeout(
      Promise.all([
        this.#redis.hmget(keys.appBucket, 'we', 'used'),
        this.#redis.hmget(keys.accountBucket, 'we', 'used'),
        this.#redis.get(keys.appBlock),
        this.#redis.get(keys.accountBlock),
      ]),
    );
    const margin = this.#settings.safetyMargin;
    const see = (
      spec: BucketSpec | null,
      state: Array<string | null>,
      blockRaw: string | null,
    ): InspectedBucket | null => {
      if (spec === null) return null;
      const view = viewBucket(
        { windowEndMs: toNumberOrNull(state[0]), used: toNumberOrNull(state[1]) ?? 0 },
        effectiveLimit(spec.limit, margin),
        nowMs,
      );
      const blockedUntil = toNumberOrNull(blockRaw);
      return {
        ...view,
        blockedUntilMs: blockedUntil !== null && blockedUntil > nowMs ? blockedUntil : null,
      };
    };
    const appView = see(budget.app, app, appBlock);
    const acctView = see(budget.account, acct, acctBlock);
    const candidates: Array<{
      scope: 'app' | 'account' | 'blocked';
      reason: AcquireRefusalReason;
      untilMs: number;
    }> = [];
    if (appView?.blockedUntilMs != null)
      candidates.push({ scope: 'blocked', reason: 'app_blocked', untilMs: appView.blockedUntilMs });
    if (acctView?.blockedUntilMs != null)
      candidates.push({
        scope: 'blocked',
        reason: 'account_blocked',
        untilMs: acctView.blockedUntilMs,
      });
    if (acctView && acctView.remaining < 1 && acctView.resetAtMs !== null)
      candidates.push({
        scope: 'account',
        reason: 'account_exhausted',
        untilMs: acctView.resetAtMs,
      });
    if (appView && appView.remaining < 1 && appView.resetAtMs !== null)
      candidates.push({ scope: 'app', reason: 'app_exhausted', untilMs: appView.resetAtMs });
    const blockedBy = candidates.reduce<(typeof candidates)[number] | null>(
      (best, c) => (best === null || c.untilMs > best.untilMs ? c : best),
      null,
    );
    return {
      appBucket: budget.appBucket ?? target.endpoint,
      app: appView,
      account: acctView,
      blockedBy,
    };
  }

  #keys(target: RateLimitTarget, budget: EndpointBudget): RateLimitKeys {
    return buildRateLimitKeys(
      this.#settings.keyPrefix,
      target.platform,
      target.endpoint,
      budget.appBucket ?? target.endpoint,
      target.clientId,
    );
  }

  async #withTimeout<T>(work: Promise<T>): Promise<T> {
    const ms = this.#settings.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimeoutError(`redis call took longer than ${ms} ms`)),
        ms,
      );
      timer.unref();
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
      // A late failure of the abandoned call must not surface as an unhandled rejection.
      work.catch(() => undefined);
    }
  }
}

function scopeOf(reason: AcquireRefusalReason): DenialScope {
  switch (reason) {
    case 'app_blocked':
    case 'account_blocked':
      return 'blocked';
    case 'account_exhausted':
      return 'account';
    case 'app_exhausted':
    case 'fair_share':
      return 'app';
  }
}

/** A reply of the wrong shape is our bug, not an unreachable Redis: let it surface. */
function isBug(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('unexpected reply from ');
}

function toNumberOrNull(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined) return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

function counter<L extends string>(
  reg: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = reg.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter<L>({ name, help, labelNames, registers: [reg] });
}
