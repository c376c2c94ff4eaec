/**
 * What a platform response says about the rate budget. It lives in `domain` because both the
 * platform connectors (which read it from headers and bodies) and the rate limiter (which feeds it
 * back into the shared budget) speak it, and neither may import the other.
 */

/** What a response said about the rate budget (all optional: platforms differ). */
export interface RateLimitInfo {
  /** Requests allowed in the window. */
  limit?: number;
  /** Requests left in the window. */
  remaining?: number;
  /** When the window resets, epoch ms. */
  resetAtMs?: number;
  /** How long to wait before the next request (Retry-After, cool-down). */
  retryAfterMs?: number;
}
