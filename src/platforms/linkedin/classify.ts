/**
 * Pure classification of LinkedIn responses and failures into a {@link PlatformError}. LinkedIn
 * sends `{status, serviceErrorCode, code, message}`, no rate-limit headers (a 429 is the only
 * signal; daily quotas reset at 00:00 UTC), and a 426 when the configured `LinkedIn-Version` is
 * retired: an operator must move the version forward, so that is `invalid_request`, not transient.
 */
import { PlatformError, redactSecrets, type PlatformErrorCode } from '../../domain/errors.js';
import { classifyTransportFailure, type HeaderMap } from '../connector.js';
import { RawErrorBodySchema } from './schemas.js';

/** What {@link classifyLinkedInResponse} looks at. */
export interface LinkedInResponseInput {
  status: number;
  headers: HeaderMap;
  /** The parsed body (undefined when it was not JSON). */
  body: unknown;
  /** Now, epoch ms. */
  nowMs: number;
  /** Exact secrets (the request's token) to mask in any message. */
  secrets?: readonly string[];
}

/** The next 00:00 UTC after `nowMs` (when LinkedIn's daily quotas reset). */
export function nextUtcMidnightMs(nowMs: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

function codeOfStatus(status: number): PlatformErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 408 || status >= 500) return 'transient';
  return 'invalid_request';
}

/**
 * The error a LinkedIn response stands for, or null on success. A 429 that names a DAY limit waits
 * until the next 00:00 UTC; any other 429 (infrastructure protection) gives no wait.
 */
export function classifyLinkedInResponse(input: LinkedInResponseInput): PlatformError | null {
  const { status } = input;
  if (status >= 200 && status < 300) return null;
  const parsed = RawErrorBodySchema.safeParse(input.body);
  const body = parsed.success ? parsed.data : {};
  const code = codeOfStatus(status);
  const platformCode =
    body.code ?? (body.serviceErrorCode === undefined ? undefined : String(body.serviceErrorCode));
  const label =
    status === 426 ? 'API version retired (move LinkedIn-Version forward)' : `HTTP ${status}`;
  const detail = [body.code, body.message].filter((s) => s !== undefined && s !== '').join(': ');
  const message = redactSecrets(
    `LinkedIn ${label}${detail === '' ? '' : `: ${detail}`}`,
    input.secrets ?? [],
  );
  const options = { status, ...(platformCode === undefined ? {} : { platformCode }) };
  if (code === 'rate_limited' && /\bDAY\b/i.test(body.message ?? '')) {
    const resetAtMs = nextUtcMidnightMs(input.nowMs);
    return new PlatformError(code, message, {
      ...options,
      resetAtMs,
      retryAfterMs: resetAtMs - input.nowMs,
    });
  }
  return new PlatformError(code, message, options);
}

/** A request that got no usable response (timeout, network error) is `transient`. */
export function classifyLinkedInFailure(
  err: unknown,
  secrets: readonly string[] = [],
): PlatformError {
  return classifyTransportFailure('LinkedIn', err, secrets);
}
