/**
 * Pure classification of TikTok responses and failures into a {@link PlatformError}. The Business
 * API reports errors as HTTP 200 with a non-zero `code` (40100 rate limited, 40105 token revoked);
 * the Research API uses HTTP statuses with `{error:{code,message,log_id}}`.
 */
import { PlatformError, redactSecrets, type PlatformErrorCode } from '../../domain/errors.js';
import { classifyTransportFailure, type HeaderMap, type RateLimitInfo } from '../connector.js';
import { RawBusinessEnvelopeSchema, RawResearchErrorSchema } from './schemas.js';
import { z } from 'zod';

/** What the TikTok classifiers look at. */
export interface TikTokResponseInput {
  status: number;
  headers: HeaderMap;
  /** The parsed body (undefined when it was not JSON). */
  body: unknown;
  /** Now, epoch ms. */
  nowMs: number;
  /** Exact secrets (the request's token) to mask in any message. */
  secrets?: readonly string[];
}

/** Options of the TikTok classifiers. */
export interface TikTokClassifyOptions {
  /** Cool-down after a Business API 40100 (TikTok says wait 5 minutes). @defaultValue 300_000 */
  rateLimitCooldownMs?: number;
  /**
   * Extra or corrected Business API codes (the full code table is not public ❓), e.g. a code for a
   * deleted video → `not_found`. @defaultValue {}
   */
  businessCodes?: Readonly<Record<number, PlatformErrorCode>>;
}

/** Business API codes whose class is known. */
export const TIKTOK_BUSINESS_CODES: Readonly<Record<number, PlatformErrorCode>> = Object.freeze({
  40001: 'auth', // no permission for the operation
  40100: 'rate_limited', // requests too frequent (QPM)
  40102: 'auth', // access token expired
  40104: 'auth', // access token empty
  40105: 'auth', // access token incorrect or revoked
});

/** Research API (v2) error codes whose class is known. */
export const TIKTOK_RESEARCH_CODES: Readonly<Record<string, PlatformErrorCode>> = Object.freeze({
  rate_limit_exceeded: 'rate_limited',
  access_token_invalid: 'auth',
  scope_not_authorized: 'auth',
  scope_permission_missed: 'auth',
  invalid_params: 'invalid_request',
  internal_error: 'transient',
});

const DEFAULT_COOLDOWN_MS = 300_000;

/** The next 00:00 UTC after `nowMs` (when daily quotas reset). */
export function nextUtcMidnightMs(nowMs: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

function codeOfStatus(status: number): PlatformErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408 || status >= 500) return 'transient';
  return 'invalid_request';
}

function codeOfBusinessCode(code: number, options: TikTokClassifyOptions): PlatformErrorCode {
  const known = options.businessCodes?.[code] ?? TIKTOK_BUSINESS_CODES[code];
  if (known !== undefined) return known;
  if (code >= 40100 && code < 40200) return 'auth';
  if (code >= 50000) return 'transient';
  return 'invalid_request';
}

/** The rate-limit signal of a Business API body: a 40100 means none left for the cool-down. */
export function readTikTokBusinessRateLimit(
  body: unknown,
  options: TikTokClassifyOptions = {},
): RateLimitInfo | null {
  const parsed = RawBusinessEnvelopeSchema.safeParse(body);
  if (!parsed.success || parsed.data.code !== 40100) return null;
  return { remaining: 0, retryAfterMs: options.rateLimitCooldownMs ?? DEFAULT_COOLDOWN_MS };
}

/**
 * The error a Business API response stands for, or null on success (HTTP 2xx and `code` 0). The
 * body decides first, since errors come as HTTP 200; the status decides when the body says nothing.
 */
export function classifyTikTokBusinessResponse(
  input: TikTokResponseInput,
  options: TikTokClassifyOptions = {},
): PlatformError | null {
  const secrets = input.secrets ?? [];
  const parsed = RawBusinessEnvelopeSchema.safeParse(input.body);
  const ok = input.status >= 200 && input.status < 300;
  if (parsed.success && parsed.data.code !== 0) {
    const code = codeOfBusinessCode(parsed.data.code, options);
    const message = redactSecrets(
      `TikTok Business ${input.status} code ${parsed.data.code}: ${parsed.data.message ?? ''}`.trim(),
      secrets,
    );
    return new PlatformError(code, message, {
      status: input.status,
      platformCode: String(parsed.data.code),
      ...(code === 'rate_limited'
        ? { retryAfterMs: options.rateLimitCooldownMs ?? DEFAULT_COOLDOWN_MS }
        : {}),
    });
  }
  if (ok) return null;
  if (input.status === 429) {
    // Business limits are per minute (QPM), not daily: wait the cool-down.
    return new PlatformError('rate_limited', redactSecrets(`TikTok Business HTTP 429`, secrets), {
      status: 429,
      retryAfterMs: options.rateLimitCooldownMs ?? DEFAULT_COOLDOWN_MS,
    });
  }
  return statusError('TikTok Business', input, secrets);
}

function statusError(
  label: string,
  input: TikTokResponseInput,
  secrets: readonly string[],
): PlatformError {
  const code = codeOfStatus(input.status);
  return new PlatformError(code, redactSecrets(`${label} HTTP ${input.status}`, secrets), {
    status: input.status,
    ...(code === 'rate_limited' ? dailyReset(input.nowMs) : {}),
  });
}

function dailyReset(nowMs: number): { resetAtMs: number; retryAfterMs: number } {
  const resetAtMs = nextUtcMidnightMs(nowMs);
  return { resetAtMs, retryAfterMs: resetAtMs - nowMs };
}

/**
 * The error a Research API response stands for, or null on success. A 429 (`rate_limit_exceeded`)
 * is the daily quota: it resets at the next 00:00 UTC, so it waits until then.
 */
export function classifyTikTokResearchResponse(input: TikTokResponseInput): PlatformError | null {
  const secrets = input.secrets ?? [];
  const envelope = z.object({ error: RawResearchErrorSchema }).safeParse(input.body);
  const error = envelope.success ? envelope.data.error : undefined;
  const ok = input.status >= 200 && input.status < 300;
  if (ok && (error === undefined || error.code === 'ok')) return null;
  if (error === undefined || error.code === 'ok')
    return statusError('TikTok Research', input, secrets);
  const code = TIKTOK_RESEARCH_CODES[error.code] ?? codeOfStatus(input.status);
  const message = redactSecrets(
    `TikTok Research ${input.status} ${error.code}: ${error.message ?? ''}`.trim(),
    secrets,
  );
  return new PlatformError(code, message, {
    status: input.status,
    platformCode: error.code,
    ...(code === 'rate_limited' ? dailyReset(input.nowMs) : {}),
  });
}

/** A request that got no usable response (timeout, network error) is `transient`. */
export function classifyTikTokFailure(
  err: unknown,
  secrets: readonly string[] = [],
): PlatformError {
  return classifyTransportFailure('TikTok', err, secrets);
}
