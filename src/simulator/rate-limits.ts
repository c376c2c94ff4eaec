/**
 * Rate-limit windows as the platforms keep them: X 15-minute windows that open at the first
 * request, LinkedIn daily quotas that reset at 00:00 UTC, TikTok per-minute windows with a cool-down
 * after a breach. Refused requests do not consume budget.
 */

/** How a bucket's windows are laid out. */
export type WindowRule =
  { kind: 'rolling'; windowMs: number; cooldownMs?: number } | { kind: 'utc-day' };

/** One budget to take a request from. */
export interface Bucket {
  key: string;
  limit: number;
  rule: WindowRule;
}

/** A bucket's state after a request was counted or refused. */
export interface BucketState {
  key: string;
  limit: number;
  remaining: number;
  /** When the current window ends (or the cool-down, if longer), epoch ms. */
  resetAtMs: number;
}

/** The outcome of taking one request from a set of buckets. */
export interface TakeResult {
  allowed: boolean;
  /** State of each bucket, in the order given. */
  states: BucketState[];
  /** The bucket that refused, when one did. */
  refusedBy: BucketState | null;
}

interface WindowState {
  count: number;
  startMs: number;
  endMs: number;
  cooldownUntilMs: number;
}

const DAY_MS = 86_400_000;

/** All the simulator's rate-limit windows. */
export class RateLimits {
  readonly #windows = new Map<string, WindowState>();

  /**
   * Take one request from every bucket, or from none: when any bucket is exhausted (or cooling
   * down) the request is refused and no bucket is charged.
   */
  take(buckets: readonly Bucket[], nowMs: number): TakeResult {
    const windows = buckets.map((b) => this.#current(b, nowMs));
    let refusedAt = -1;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i]!;
      const w = windows[i]!;
      if (w.count >= b.limit || w.cooldownUntilMs > nowMs) {
        refusedAt = i;
        if (b.rule.kind === 'rolling' && b.rule.cooldownMs && w.cooldownUntilMs <= nowMs) {
          w.cooldownUntilMs = nowMs + b.rule.cooldownMs;
        }
        break;
      }
    }
    if (refusedAt < 0) for (const w of windows) w.count++;
    const states = buckets.map((b, i) => {
      const w = windows[i]!;
      return {
        key: b.key,
        limit: b.limit,
        remaining: Math.max(0, b.limit - w.count),
        resetAtMs: Math.max(w.endMs, w.cooldownUntilMs),
      };
    });
    return { allowed: refusedAt < 0, states, refusedBy: refusedAt < 0 ? null : states[refusedAt]! };
  }

  /** Forget every window (all budgets full again). */
  reset(): void {
    this.#windows.clear();
  }

  #current(bucket: Bucket, nowMs: number): WindowState {
    let w = this.#windows.get(bucket.key);
    if (w === undefined || nowMs >= w.endMs) {
      const startMs = bucket.rule.kind === 'utc-day' ? Math.floor(nowMs / DAY_MS) * DAY_MS : nowMs;
      const endMs =
        bucket.rule.kind === 'utc-day' ? startMs + DAY_MS : nowMs + bucket.rule.windowMs;
      w = { count: 0, startMs, endMs, cooldownUntilMs: w?.cooldownUntilMs ?? 0 };
      this.#windows.set(bucket.key, w);
    }
    return w;
  }
}
