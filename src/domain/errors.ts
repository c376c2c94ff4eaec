/**
 * The error catalogue. Expected failures are typed errors with a stable `code` so they can be matched
 * after crossing a process boundary (match on `code`/`name`, not only `instanceof`).
 */

/** Codes a platform failure can have; only each platform's `classify.ts` decides which. */
export const PLATFORM_ERROR_CODES = [
  'rate_limited',
  'auth',
  'not_found',
  'transient',
  'invalid_request',
  'invalid_response',
] as const;
/** A platform failure's class. */
export type PlatformErrorCode = (typeof PLATFORM_ERROR_CODES)[number];

/** Options of a {@link PlatformError}. */
export interface PlatformErrorOptions {
  /** HTTP status, when there was a response. */
  status?: number;
  /** How long the platform asked us to wait. */
  retryAfterMs?: number;
  /** When the exhausted budget resets (epoch ms), when the platform says. */
  resetAtMs?: number;
  /** The platform's own error code or type, for operators (never a token). */
  platformCode?: string;
  cause?: unknown;
}

/** One failure of a platform call, classified. Its message never contains a token. */
export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  readonly code: PlatformErrorCode;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly resetAtMs: number | undefined;
  readonly platformCode: string | undefined;

  constructor(code: PlatformErrorCode, message: string, options: PlatformErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? {} : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.resetAtMs = options.resetAtMs;
    this.platformCode = options.platformCode;
  }
}

/** True for a PlatformError, also one that crossed a process boundary as a plain object. */
export function isPlatformError(err: unknown): err is PlatformError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'PlatformError' &&
    PLATFORM_ERROR_CODES.includes((err as { code?: PlatformErrorCode }).code as PlatformErrorCode)
  );
}

/** A registration, cursor or other input that breaks a rule; names the field and the reason. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly code = 'invalid_input';
  /** Each offending field with its reason. */
  readonly issues: ReadonlyArray<{ field: string; reason: string }>;

  constructor(issues: ReadonlyArray<{ field: string; reason: string }>) {
    super(issues.map((i) => `${i.field}: ${i.reason}`).join('; '));
    this.issues = issues;
  }
}

/** A value under one of our Redis keys that is not what we wrote (corrupt or foreign). */
export class CorruptStateError extends Error {
  override readonly name = 'CorruptStateError';
  readonly code = 'corrupt_state';
  readonly key: string;
  /** What is wrong with the value (the message without the key). */
  readonly reason: string;

  constructor(key: string, reason: string, options: { cause?: unknown } = {}) {
    super(`corrupt value under key ${key}: ${reason}`, options);
    this.key = key;
    this.reason = reason;
  }
}

const SECRET_PATTERNS: RegExp[] = [
  /(bearer\s+)[^\s"',;]+/gi,
  /(access[-_]?token["'=:\s]+)[^\s"',;&]+/gi,
  /(authorization["'=:\s]+)[^\s"',;]+/gi,
];

/**
 * Mask anything that looks like a credential in free text (bearer tokens, access_token=…), plus
 * any exact `secrets` given. Used on every message built from a platform's response.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '$1[redacted]');
  return out;
}
