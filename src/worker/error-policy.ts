/**
 * The one place that decides what a failed poll means for the job and the state. Pure.
 *
 * | code             | job                       | state                                         |
 * |------------------|---------------------------|-----------------------------------------------|
 * | rate_limited     | done; budget blocked      | nextPollAt = reset; no error counted           |
 * | transient        | done                      | consecutiveErrors + 1, full-jitter backoff     |
 * | invalid_response | done                      | as transient (a malformed body may be passing) |
 * | invalid_request  | done                      | as transient, so an operator sees it; probes   |
 * | auth             | done                      | needs_reauth (not polled until resumed)        |
 * | not_found        | done                      | paused (kept for inspection, never polled)     |
 *
 * A credential provider's failure counts as `auth` when this client has no usable credentials
 * (`credentials_missing`, `credentials_invalid`: its token must be provided, then the resource
 * resumed) and as `transient` when the source is unreachable (`credentials_unavailable`) or the
 * credentials file as a whole is malformed (`credentials_file_invalid`): a configuration error that
 * touches every client, so fixing the file must recover every resource without resuming each one.
 */
import {
  isPlatformError,
  PlatformError,
  redactSecrets,
  type PlatformErrorCode,
} from '../domain/errors.js';
import type { PollResult } from '../domain/polling-state.js';

/** What to do about a failed page fetch. */
export interface ErrorDecision {
  code: PlatformErrorCode;
  /** The failure as a PollResult for updatePollingState. */
  result: Extract<PollResult, { success: false }>;
  /** For rate_limited: block the budget until then (epoch ms), when known. */
  blockUntilMs?: number;
  /** For rate_limited: how long the platform asked to wait, when known. */
  retryAfterMs?: number;
}

/** Classify anything a fetch threw into a decision. Unknown errors count as transient. */
export function decideOnError(err: unknown, nowMs: number): ErrorDecision {
  const platformError: PlatformError = isPlatformError(err)
    ? err
    : isCredentialFailure(err)
      ? new PlatformError(credentialFailureClass(err.code), messageOf(err), {
          cause: err,
          platformCode: err.code,
        })
      : new PlatformError('transient', `unexpected failure: ${messageOf(err)}`, { cause: err });
  const code = platformError.code;
  const message = redactSecrets(platformError.message).slice(0, 500);
  switch (code) {
    case 'rate_limited': {
      const untilMs =
        platformError.resetAtMs ??
        (platformError.retryAfterMs !== undefined ? nowMs + platformError.retryAfterMs : undefined);
      const waitMs = untilMs !== undefined ? Math.max(0, untilMs - nowMs) : undefined;
      const decision: ErrorDecision = {
        code,
        result: {
          success: false,
          error: message,
          code,
          ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}),
        },
      };
      if (untilMs !== undefined) decision.blockUntilMs = untilMs;
      if (platformError.retryAfterMs !== undefined)
        decision.retryAfterMs = platformError.retryAfterMs;
      return decision;
    }
    case 'transient':
    case 'invalid_response':
    case 'invalid_request':
    case 'auth':
    case 'not_found':
      return {
        code,
        result: {
          success: false,
          error: message,
          code,
          ...(platformError.retryAfterMs !== undefined
            ? { retryAfterMs: platformError.retryAfterMs }
            : {}),
        },
      };
  }
}

/** A credential provider's error (matched by name and code: it may cross a process boundary). */
function isCredentialFailure(err: unknown): err is { name: 'CredentialsError'; code: string } {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'CredentialsError' &&
    typeof (err as { code?: unknown }).code === 'string'
  );
}

/** Transient when the source is down or misconfigured as a whole; auth for one client's entry. */
function credentialFailureClass(code: string): 'transient' | 'auth' {
  return code === 'credentials_unavailable' || code === 'credentials_file_invalid'
    ? 'transient'
    : 'auth';
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'non-error thrown';
}
