/**
 * The admin API's error catalogue: every error code it answers with, its HTTP status and meaning,
 * written once. Responses are `{ error: { code, message, details? } }`. `docs/admin-api.md` lists the
 * same table, and a test checks the two agree.
 */

/** Every admin API error code with its status and description. */
export const API_ERRORS = {
  invalid_request: {
    status: 400,
    description:
      'The body, a path parameter or a query parameter is invalid; `details` lists each `{ field, reason }`.',
  },
  unauthorized: {
    status: 401,
    description: 'No `Authorization: Bearer <key>` header, or the key is not a configured key.',
  },
  not_found: {
    status: 404,
    description:
      'No such route or resource, or it belongs to a client the key may not see (the two are indistinguishable).',
  },
  invalid_status: {
    status: 409,
    description:
      'The resource is in a status that does not allow the action (resume an active resource, poll-now a paused one); `details.status` says which.',
  },
  conflict: {
    status: 409,
    description: 'The resource kept changing while it was being updated; retry.',
  },
  payload_too_large: { status: 413, description: 'The request body is too large.' },
  unsupported_media_type: {
    status: 415,
    description: 'The body is not `application/json`.',
  },
  corrupt_state: {
    status: 500,
    description: 'The stored state of the resource is corrupt; it is reported in the logs.',
  },
  internal_error: { status: 500, description: 'An unexpected failure; details are in the logs.' },
  not_ready: {
    status: 503,
    description: '`GET /readyz`: a readiness check failed; `details` holds every check.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

/** An admin API error code. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** The body of every error response. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown };
}

/** An error the API answers with as-is (status from the catalogue). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.details = details;
  }

  /** The response body. */
  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** The one answer to a resource the caller may not see or that does not exist. */
export function resourceNotFound(): ApiError {
  return new ApiError('not_found', 'resource not found');
}
