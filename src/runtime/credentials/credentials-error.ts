/**
 * The one error a credential provider throws. Its message names the client and the platform and
 * never a token (nor the text of a credentials file, which would hold tokens).
 */
import type { Platform } from '../../domain/platform.js';

/** Why credentials could not be had. */
export const CREDENTIALS_ERROR_CODES = [
  /** No credentials for this client and platform. */
  'credentials_missing',
  /** The credentials source holds something that is not valid credentials for this client and platform. */
  'credentials_invalid',
  /**
   * The credentials file as a whole is not valid JSON or fails validation: a configuration error that
   * touches every client, not one client's credentials. Fixing the file recovers every resource.
   */
  'credentials_file_invalid',
  /** The credentials source could not be read (file missing, secret store down). */
  'credentials_unavailable',
] as const;

/** A {@link CredentialsError}'s code. */
export type CredentialsErrorCode = (typeof CREDENTIALS_ERROR_CODES)[number];

/** Credentials for (clientId, platform) could not be had. Never carries a token. */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  readonly code: CredentialsErrorCode;
  readonly clientId: string;
  readonly platform: Platform;

  constructor(
    code: CredentialsErrorCode,
    clientId: string,
    platform: Platform,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`credentials for client "${clientId}" on ${platform}: ${detail}`, options);
    this.code = code;
    this.clientId = clientId;
    this.platform = platform;
  }
}

/** True for a CredentialsError, also one that crossed a process boundary as a plain object. */
export function isCredentialsError(err: unknown): err is CredentialsError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'CredentialsError' &&
    (CREDENTIALS_ERROR_CODES as readonly unknown[]).includes((err as { code?: unknown }).code)
  );
}
