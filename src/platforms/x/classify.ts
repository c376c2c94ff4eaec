/**
 * Pure classification of X API v2 responses and failures into a {@link PlatformError}. By HTTP
 * status first, by body second: X sends several different 429 bodies (observed, documented, usage
 * cap) and reports some failures as `errors[]` inside a 200.
 */
import { PlatformError, redactSecrets, type PlatformErrorCode } from '../../domain/errors.js';
import { classifyTransportFailure, type HeaderMap, type RateLimitInfo } from '../connector.js';
import { RawErrorBodySchema, type RawErrorEntry } from './schemas.js';

/** What {@link classifyXResponse} looks at. */
export interface XResponseInput {
  status: number;
  /** Lower-case header names. */
  headers: HeaderMap;
  /** The parsed body (undefined when it was not JSON). */
  body: unknown;
  /** Now, epoch ms (for turning a reset time into a wait). */
  nowMs: number;
  /** Exact secrets (the request's token) to mask in any message. */
  secrets?: readonly string[];
}

/** Options of the X classifier. */
export interface XClassifyOptions {
  /**
   * How long to wait after a usage-cap 429 (a monthly cap, not a 15-minute window: retrying each
   * window wastes effort). @defaultValue 86_400_000 (one day)
   */
  usageCapRetryAfterMs?: number;
}

const DEFAULT_USAGE_CAP_RETRY_AFTER_MS = 86_400_000;

/** The problem type's path suffix (`usage-capped`), whatever the host (`api.twitter.com`/`api.x.com`). */
export function problemTypeOf(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const match = /\/2\/problems\/([a-z0-9-]+)\s*$/i.exec(type);
  return match?.[1];
}

function numberHeader(headers: HeaderMap, name: string): number | undefined {
  const value = headers[name];
  if (value === undefined || !/^\s*[0-9]+(\.[0-9]+)?\s*$/.test(value)) return undefined;
  return Number(value);
}

/**
 * The rate-limit signals of an X response: `x-rate-limit-limit/remaining/reset` (reset in epoch
 * seconds, returned in ms), and `retry-after` (seconds) should X ever send it. null when none.
 */
export function readXRateLimit(headers: HeaderMap, nowMs: number): RateLimitInfo | null {
  const info: RateLimitInfo = {};
  const limit = numberHeader(headers, 'x-rate-limit-limit');
  const remaining = numberHeader(headers, 'x-rate-limit-remaining');
  const resetS = numberHeader(headers, 'x-rate-limit-reset');
  const retryAfterS = numberHeader(headers, 'retry-after');
  if (limit !== undefined) info.limit = limit;
  if (remaining !== undefined) info.remaining = remaining;
  if (resetS !== undefined) info.resetAtMs = resetS * 1000;
  if (retryAfterS !== undefined) info.retryAfterMs = retryAfterS * 1000;
  // A spent 24-hour budget outlasts the 15-minute window: its reset is the one that matters.
  for (const scope of ['user', 'app']) {
    const dayRemaining = numberHeader(headers, `x-${scope}-limit-24hour-remaining`);
    const dayResetS = numberHeader(headers, `x-${scope}-limit-24hour-reset`);
    if (dayRemaining === 0 && dayResetS !== undefined) {
      info.resetAtMs = Math.max(info.resetAtMs ?? 0, dayResetS * 1000);
    }
  }
  if (info.retryAfterMs === undefined && info.resetAtMs !== undefined && info.remaining === 0) {
    info.retryAfterMs = Math.max(0, info.resetAtMs - nowMs);
  }
  return Object.keys(info).length === 0 ? null : info;
}

function describe(entry: {
  title?: string | undefined;
  detail?: string | undefined;
  message?: string | undefined;
}): string {
  return [entry.title, entry.detail ?? entry.message]
    .filter((s) => s !== undefined && s !== '')
    .join(': ');
}

/**
 * The partial errors inside a 200 (`errors[]` next to `data`): e.g. a referenced or looked-up post
 * that was deleted. They are not a failure of the request.
 */
export function partialErrorsOf(body: unknown): RawErrorEntry[] {
  const parsed = RawErrorBodySchema.safeParse(body);
  if (!parsed.success) return [];
  return parsed.data.errors ?? [];
}

function codeOfProblem(problem: string | undefined): PlatformErrorCode {
  switch (problem ?? '') {
    case 'resource-not-found':
      return 'not_found';
    case 'not-authorized-for-resource':
    case 'client-forbidden':
      return 'auth';
    case 'rate-limit-exceeded':
    case 'usage-capped':
      return 'rate_limited';
    default:
      return 'invalid_request';
  }
}

/**
 * The error an X response stands for, or null when it is a success (including a 200 that carries
 * only partial errors next to `data` or `meta`). A 429 is `rate_limited` whatever its headers say
 * about the remaining budget; a usage-cap 429 waits `usageCapRetryAfterMs`.
 */
export function classifyXResponse(
  input: XResponseInput,
  options: XClassifyOptions = {},
): PlatformError | null {
  const { status, headers, nowMs } = input;
  const secrets = input.secrets ?? [];
  const parsed = RawErrorBodySchema.safeParse(input.body);
  const body = parsed.success ? parsed.data : {};
  const first = body.errors?.[0];
  const problem = problemTypeOf(body.type) ?? problemTypeOf(first?.type);
  // The envelope says what kind of failure; the first entry of errors[] says which parameter.
  const summary = describe(body);
  const specific = first === undefined ? '' : describe(first);
  const text =
    [summary, specific].filter((s, i, all) => s !== '' && all.indexOf(s) === i).join(' — ') ||
    `HTTP ${status}`;
  const message = (what: string): string => redactSecrets(`X ${status} ${what}: ${text}`, secrets);
  const platformCode = problem ?? (first?.code === undefined ? undefined : String(first.code));
  const base = { status, ...(platformCode === undefined ? {} : { platformCode }) };

  if (status >= 200 && status < 300) {
    const record = (
      typeof input.body === 'object' && input.body !== null ? input.body : {}
    ) as Record<string, unknown>;
    if (first === undefined || 'data' in record || 'meta' in record) return null;
    // A 200 with nothing but errors: the request as a whole failed (e.g. the user does not exist).
    return new PlatformError(
      codeOfProblem(problemTypeOf(first.type)),
      message('error in body'),
      base,
    );
  }
  if (status === 429) {
    if (problem === 'usage-capped' || body.title === 'UsageCapExceeded') {
      return new PlatformError('rate_limited', message('usage cap exceeded'), {
        ...base,
        platformCode: 'usage-capped',
        retryAfterMs: options.usageCapRetryAfterMs ?? DEFAULT_USAGE_CAP_RETRY_AFTER_MS,
      });
    }
    const rate = readXRateLimit(headers, nowMs);
    const retryAfterMs =
      rate?.retryAfterMs ??
      (rate?.resetAtMs === undefined ? undefined : Math.max(0, rate.resetAtMs - nowMs));
    return new PlatformError('rate_limited', message('rate limited'), {
      ...base,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(rate?.resetAtMs === undefined ? {} : { resetAtMs: rate.resetAtMs }),
    });
  }
  if (status === 401 || status === 403)
    return new PlatformError('auth', message('not authorized'), base);
  if (status === 404) return new PlatformError('not_found', message('not found'), base);
  if (status === 408 || status >= 500)
    return new PlatformError('transient', message('server error'), base);
  return new PlatformError('invalid_request', message('request rejected'), base);
}

/**
 * A request that got no usable response: a timeout (`TimeoutError`/`AbortError`) or a network
 * error (refused, reset). Always `transient`; the message names the kind and the cause, redacted.
 */
/** A request that got no usable response (timeout, network error) is `transient`. */
export function classifyXFailure(err: unknown, secrets: readonly string[] = []): PlatformError {
  return classifyTransportFailure('X', err, secrets);
}
