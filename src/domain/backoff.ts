/**
 * Scheduling maths: exponential backoff with full jitter after failures, and the adaptive interval
 * that stretches while a resource stays quiet. Pure; randomness is injected.
 */

/** Returns a float in [0, 1). */
export type RandomSource = () => number;

/** Bounds of exponential backoff. */
export interface BackoffOptions {
  /** Delay ceiling before jitter for the first failure. @defaultValue 30_000 */
  baseMs: number;
  /** Largest delay ever returned. @defaultValue 1_800_000 (30 min) */
  capMs: number;
}

/** Default backoff bounds. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  baseMs: 30_000,
  capMs: 30 * 60_000,
});

/**
 * "Full jitter" backoff (AWS Architecture Blog): a uniform draw in [0, min(cap, base * 2^(n-1))],
 * so that many resources failing together do not retry together. `attempt` is 1 for the first
 * failure. The result is never below 1 s, so a failure never turns into a hot loop.
 */
export function computeBackoffMs(
  attempt: number,
  options: BackoffOptions,
  random: RandomSource,
): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^(n-1) overflows to Infinity for large n; min() with the cap keeps it finite.
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** (n - 1));
  return Math.max(1_000, Math.floor(random() * ceiling));
}

/** Bounds of the adaptive polling interval. */
export interface AdaptiveIntervalOptions {
  /** Multiplier applied per consecutive empty poll. @defaultValue 1.5 */
  stretchFactor: number;
  /** Largest interval, as a multiple of the base interval. @defaultValue 4 */
  maxMultiplier: number;
}

/** Default adaptive-interval bounds. */
export const DEFAULT_ADAPTIVE: Readonly<AdaptiveIntervalOptions> = Object.freeze({
  stretchFactor: 1.5,
  maxMultiplier: 4,
});

/**
 * The interval until the next poll: the base interval after a poll that found new items, stretched
 * by `stretchFactor` for each consecutive empty poll, never above `base * maxMultiplier`.
 */
export function computeAdaptiveIntervalMs(
  baseIntervalMs: number,
  emptyPolls: number,
  options: AdaptiveIntervalOptions,
): number {
  const stretched = baseIntervalMs * options.stretchFactor ** Math.max(0, emptyPolls);
  return Math.floor(Math.min(stretched, baseIntervalMs * options.maxMultiplier));
}

/**
 * Adds up to `ratio` of positive jitter to an interval, so resources registered together drift
 * apart. Never shortens the interval: a resource is never polled more often than its interval.
 */
export function addPositiveJitter(intervalMs: number, ratio: number, random: RandomSource): number {
  return Math.floor(intervalMs * (1 + Math.max(0, ratio) * random()));
}
