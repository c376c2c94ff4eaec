/**
 * The contract every platform meets. The pipeline only ever talks to a {@link PlatformAdapter}; each
 * platform folder (`x/`, `linkedin/`, `tiktok/`) provides one, built from its HTTP client
 * (`client.ts`), its zod schemas, its normalizer, its error classifier and its poller.
 */
import type { Platform, ResourceType } from '../domain/platform.js';
import type { PollEvent, QuarantinedItem } from '../domain/poll-event.js';
import type { RateLimitInfo } from '../domain/rate-limit-info.js';

/** What a credential provider hands out for one (clientId, platform). Never stored anywhere. */
export interface Credentials {
  accessToken: string;
  /**
   * The platform account the token acts for, where an API needs it as a parameter
   * (TikTok Business `business_id`). Not secret.
   */
  accountId?: string;
}

/** Looks up a client's token when a request is about to be made. */
export interface CredentialProvider {
  getCredentials(clientId: string, platform: Platform): Promise<Credentials>;
}

/** What a response said about the rate budget; defined in `domain` and re-exported here. */
export type { RateLimitInfo };

/** A parsed response body with its status and rate-limit signals. */
export interface ConnectorResponse<T> {
  status: number;
  body: T;
  rateLimit: RateLimitInfo | null;
}

/** One page request for one resource, from its stored polling state. */
export interface PageRequest {
  clientId: string;
  resourceType: ResourceType;
  resourceId?: string;
  /** The committed cursor (the checkpoint of everything emitted so far), or null on first poll. */
  cursor: string | null;
  /** Where a walk in progress continues; null starts a new walk from `cursor`. */
  pageToken: string | null;
}

/** What one page gave. */
export interface PageResult {
  /** Valid items, normalized, newest first where the platform sorts. May repeat earlier items. */
  events: PollEvent[];
  /** Items that failed validation (counted, kept, not emitted). */
  quarantined: QuarantinedItem[];
  /** The next page of this walk, or null when the walk is caught up. */
  nextPageToken: string | null;
  /**
   * The cursor this page supports committing once the walk ends (for the first page of a walk: its
   * newest position). null: this page says nothing new about the cursor.
   */
  cursorCandidate: string | null;
  /** The rate-limit signals of the response. */
  rateLimit: RateLimitInfo | null;
}

/** A platform, as the pipeline sees it. */
export interface PlatformAdapter {
  readonly platform: Platform;
  /** The rate-limit endpoint key a resource type's requests are charged to (e.g. `mentions`). */
  endpointOf(resourceType: ResourceType): string;
  /** Fetch one page for a resource. Rejects with a PlatformError. */
  fetchPage(request: PageRequest): Promise<PageResult>;
  /**
   * Of two cursors, the one further along (cursors are platform-specific: X ids compare as
   * BigInt, times as numbers). Used so a cursor never moves backwards.
   */
  maxCursor(a: string | null, b: string | null): string | null;
}

/**
 * Compare two ids written in decimal digits (X snowflakes, TikTok comment ids) without turning them
 * into JS numbers, which lose digits above 2^53: shorter is smaller, then lexicographic order.
 * Leading zeros are ignored. Returns a negative number, 0 or a positive number.
 */
export function compareDecimalIds(a: string, b: string): number {
  const x = a.replace(/^0+(?=.)/, '');
  const y = b.replace(/^0+(?=.)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Response headers as a plain object with lower-case names (what the classifiers read). */
export type HeaderMap = Readonly<Record<string, string>>;

/** The response headers of a fetch as a {@link HeaderMap}. */
export function headerMapOf(headers: Headers): HeaderMap {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}
