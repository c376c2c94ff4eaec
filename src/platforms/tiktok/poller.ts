/**
 * TikTok poller: one page of a video's comments, validated with zod, normalized to
 * {@link PollEvent}s, with where to continue. A malformed item is quarantined and the rest of the
 * page counts; a malformed envelope is `invalid_response`.
 */
import { PlatformError } from '../../domain/errors.js';
import type { PollEvent, QuarantinedItem } from '../../domain/poll-event.js';
import type { RateLimitInfo } from '../connector.js';
import type { TikTokConnector } from './client.js';
import {
  compareTikTokCheckpoints,
  normalizeBusinessComment,
  normalizeResearchComment,
  type TikTokCheckpoint,
} from './normalize.js';
import {
  RawBusinessCommentPageSchema,
  RawBusinessCommentSchema,
  RawBusinessEnvelopeSchema,
  RawResearchCommentSchema,
  RawResearchEnvelopeSchema,
} from './schemas.js';

/** Options of a {@link TikTokPoller}. */
export interface TikTokPollerOptions {
  /** The client whose videos are polled (stamped on every event). */
  clientId: string;
  /** `max_count` of the Business API (≤ 30). @defaultValue 30 */
  pageSize?: number;
  /** `max_count` of the Research API (≤ 100). @defaultValue 100 */
  researchPageSize?: number;
  /** The Research API serves only the first 1,000 comments: offsets above this are not asked for. @defaultValue 999 */
  researchMaxCursor?: number;
}

/** Parameters of {@link TikTokPoller.pollComments}. */
export interface TikTokPollCommentsParams {
  videoId: string;
  /** TikTok's page cursor (an integer offset, as a string), or null for the first page. */
  cursor: string | null;
  /**
   * Stop at the first comment created at or before this time (epoch s): the list is newest first.
   * null reads to the end.
   */
  stopAtOrBeforeS?: number | null;
}

/** One polled page. */
export interface TikTokPollResult {
  events: PollEvent[];
  quarantined: QuarantinedItem[];
  /** TikTok's cursor for the next page (as a string), or null when this page was the last to read. */
  nextCursor: string | null;
  hasMore: boolean;
  /** The newest valid comment on this page, or null. */
  newest: TikTokCheckpoint | null;
  rateLimit: RateLimitInfo | null;
}

function reasonOf(error: {
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
}): string {
  return error.issues
    .map((i) => `${i.path.map(String).join('.') || '(item)'}: ${i.message}`)
    .join('; ');
}

function invalid(
  what: string,
  error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> },
): PlatformError {
  return new PlatformError(
    'invalid_response',
    `TikTok ${what}: malformed page: ${reasonOf(error)}`,
    { cause: error },
  );
}

function pageCursorOf(cursor: string | null): number {
  if (cursor === null) return 0;
  if (!/^[0-9]{1,9}$/.test(cursor)) {
    throw new PlatformError(
      'invalid_request',
      `TikTok page cursor ${JSON.stringify(cursor.slice(0, 40))} is not an offset`,
    );
  }
  return Number(cursor);
}

function newer(a: TikTokCheckpoint | null, b: TikTokCheckpoint): TikTokCheckpoint {
  return a === null || compareTikTokCheckpoints(b, a) > 0 ? b : a;
}

/** Polls one client's TikTok video comments, one page per call. */
export class TikTokPoller {
  readonly #connector: TikTokConnector;
  readonly #clientId: string;
  readonly #pageSize: number;
  readonly #researchPageSize: number;
  readonly #researchMaxCursor: number;

  constructor(connector: TikTokConnector, options: TikTokPollerOptions) {
    this.#connector = connector;
    this.#clientId = options.clientId;
    this.#pageSize = options.pageSize ?? 30;
    this.#researchPageSize = options.researchPageSize ?? 100;
    this.#researchMaxCursor = options.researchMaxCursor ?? 999;
  }

  /**
   * One page of the Business API comment list, newest first. The walk stops at the first comment
   * at or before `stopAtOrBeforeS`: it and the rest of the page are left out and no next cursor is
   * given. TikTok may return fewer than `max_count` comments with `has_more` true: not the end.
   */
  async pollComments(params: TikTokPollCommentsParams): Promise<TikTokPollResult> {
    const response = await this.#connector.getVideoComments(params.videoId, {
      cursor: pageCursorOf(params.cursor),
      max_count: this.#pageSize,
    });
    const envelope = RawBusinessEnvelopeSchema.safeParse(response.body);
    if (!envelope.success) throw invalid('comments', envelope.error);
    const page = RawBusinessCommentPageSchema.safeParse(envelope.data.data);
    if (!page.success) throw invalid('comments', page.error);
    const ctx = { clientId: this.#clientId, videoId: params.videoId };
    const stopS = params.stopAtOrBeforeS ?? null;
    const events: PollEvent[] = [];
    const quarantined: QuarantinedItem[] = [];
    let newest: TikTokCheckpoint | null = null;
    let stopped = false;
    for (const raw of page.data.comments) {
      const parsed = RawBusinessCommentSchema.safeParse(raw);
      if (!parsed.success) {
        quarantined.push({ platform: 'tiktok', reason: reasonOf(parsed.error), raw });
        continue;
      }
      if (stopS !== null && parsed.data.create_time <= stopS) {
        stopped = true;
        break;
      }
      newest = newer(newest, {
        createTimeS: parsed.data.create_time,
        commentId: parsed.data.comment_id,
      });
      events.push(normalizeBusinessComment(parsed.data, raw, ctx));
    }
    const hasMore = !stopped && page.data.has_more;
    return {
      events,
      quarantined,
      nextCursor: hasMore ? String(page.data.cursor) : null,
      hasMore,
      newest,
      rateLimit: response.rateLimit,
    };
  }

  /**
   * One page of the Research API comment list. Its order is not sorted, so the whole list is read
   * (to the 1,000-comment cap) and comments at or before `stopAtOrBeforeS` are only left out.
   */
  async pollResearchComments(params: TikTokPollCommentsParams): Promise<TikTokPollResult> {
    const response = await this.#connector.getResearchVideoComments(params.videoId, {
      cursor: pageCursorOf(params.cursor),
      max_count: this.#researchPageSize,
    });
    const envelope = RawResearchEnvelopeSchema.safeParse(response.body);
    if (!envelope.success) throw invalid('research comments', envelope.error);
    const ctx = { clientId: this.#clientId, videoId: params.videoId };
    const stopS = params.stopAtOrBeforeS ?? null;
    const events: PollEvent[] = [];
    const quarantined: QuarantinedItem[] = [];
    let newest: TikTokCheckpoint | null = null;
    for (const raw of envelope.data.data.comments) {
      const parsed = RawResearchCommentSchema.safeParse(raw);
      if (!parsed.success) {
        quarantined.push({ platform: 'tiktok', reason: reasonOf(parsed.error), raw });
        continue;
      }
      newest = newer(newest, { createTimeS: parsed.data.create_time, commentId: parsed.data.id });
      if (stopS === null || parsed.data.create_time > stopS) {
        events.push(normalizeResearchComment(parsed.data, raw, ctx));
      }
    }
    const { cursor, has_more: more } = envelope.data.data;
    const hasMore = more && cursor <= this.#researchMaxCursor;
    return {
      events,
      quarantined,
      nextCursor: hasMore ? String(cursor) : null,
      hasMore,
      newest,
      rateLimit: response.rateLimit,
    };
  }
}
