/**
 * "Why is this resource not being polled?": a pure diagnosis from the state, its due-index score,
 * the rate budget that blocks it and the thresholds. The route gathers the inputs; this decides.
 */
import type { PollingState } from '../domain/polling-state.js';
import type { RateLimitBlock, WhyPolicy } from './deps.js';

/** The diagnosis, most decisive first. */
export const WHY_VERDICTS = [
  'needs_reauth',
  'paused',
  'not_indexed',
  'claimed',
  'rate_limited',
  'probing',
  'backing_off',
  'not_due',
  'due',
] as const;

/** One diagnosis. */
export type WhyVerdict = (typeof WHY_VERDICTS)[number];

/** Inputs of {@link explainPolling}. */
export interface WhyInput {
  state: PollingState;
  /** The due-index score (epoch ms) or null when the state is not in the index. */
  dueScoreMs: number | null;
  /** What blocks it in the rate limiter, null when nothing, undefined when unknown. */
  rateLimit: RateLimitBlock | null | undefined;
  policy: WhyPolicy;
  nowMs: number;
}

/** A verdict and its plain-English explanation. */
export interface WhyAnswer {
  verdict: WhyVerdict;
  reason: string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** "in 2 min 5 s" / "3 s ago". */
export function describeDelta(deltaMs: number): string {
  const abs = Math.abs(deltaMs);
  const s = Math.round(abs / 1000);
  const text =
    s < 60
      ? `${s} s`
      : s < 3600
        ? `${Math.floor(s / 60)} min ${s % 60} s`
        : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return deltaMs >= 0 ? `in ${text}` : `${text} ago`;
}

function lastErrorText(state: PollingState): string {
  if (state.lastErrorCode === null) return 'no error recorded';
  return `last error: ${state.lastErrorCode}${state.lastError === null ? '' : ` (${state.lastError})`}`;
}

/** Diagnose why a resource is, or is not, being polled. */
export function explainPolling(input: WhyInput): WhyAnswer {
  const { state, dueScoreMs, rateLimit, policy, nowMs } = input;
  const nextMs = state.nextPollAt.getTime();
  const at = (ms: number) => `${iso(ms)} (${describeDelta(ms - nowMs)})`;

  if (state.status === 'needs_reauth') {
    return {
      verdict: 'needs_reauth',
      reason: `Not polled: the platform rejected the credentials (${lastErrorText(state)}). Update the client's token, then resume the resource.`,
    };
  }
  if (state.status === 'paused') {
    return {
      verdict: 'paused',
      reason: `Not polled: paused because the platform no longer finds the resource (${lastErrorText(state)}). Resume it if it exists again.`,
    };
  }
  if (dueScoreMs === null) {
    return {
      verdict: 'not_indexed',
      reason:
        'Not polled: the resource is schedulable but missing from the due index, so the scheduler cannot see it. Resume it or poll it now to re-index it.',
    };
  }
  if (dueScoreMs > nextMs && dueScoreMs > nowMs) {
    return {
      verdict: 'claimed',
      reason: `Being polled: the scheduler claimed it and a poll job holds it until ${at(dueScoreMs)}; if that job dies, the claim expires then and the resource is due again.`,
    };
  }
  const isDue = nextMs <= nowMs;
  if (isDue && rateLimit !== null && rateLimit !== undefined && rateLimit.blockedUntilMs > nowMs) {
    return {
      verdict: 'rate_limited',
      reason: `Due, but waiting for the ${state.platform} ${rateLimit.scope} rate budget${rateLimit.reason === undefined ? '' : ` (${rateLimit.reason})`}, which refills at ${at(rateLimit.blockedUntilMs)}. This is not an error.`,
    };
  }
  if (state.consecutiveErrors >= policy.maxErrors) {
    return {
      verdict: 'probing',
      reason: `Off the normal schedule: ${state.consecutiveErrors} consecutive errors reached the threshold of ${policy.maxErrors}, so it is only probed every ${describeDelta(policy.probeIntervalMs).slice(3)}; next probe ${isDue ? 'is due now' : `at ${at(nextMs)}`}; ${lastErrorText(state)}. A successful probe or a resume puts it back on schedule.`,
    };
  }
  if (state.status === 'backing_off') {
    return {
      verdict: 'backing_off',
      reason: `Backing off after ${state.consecutiveErrors} consecutive error(s) (threshold ${policy.maxErrors}); next attempt ${isDue ? 'is due now' : `at ${at(nextMs)}`}; ${lastErrorText(state)}.`,
    };
  }
  if (!isDue) {
    return {
      verdict: 'not_due',
      reason: `Active and not due yet: next poll at ${at(nextMs)}.`,
    };
  }
  return {
    verdict: 'due',
    reason: `Due since ${at(nextMs)} and waiting for the scheduler to claim it. If this lasts, check GET /readyz (scheduler and workers running) and the ep_due_backlog metric.`,
  };
}
