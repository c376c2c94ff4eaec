/**
 * LinkedIn poller: one page of a post's comments, of the inbox or of an organization's mentions,
 * validated with zod, normalized to {@link PollEvent}s, with where to continue. A malformed item
 * is quarantined and the rest of the page counts; a malformed envelope is `invalid_response`.
 */
import { PlatformError } from '../../domain/errors.js';
import type { PollEvent, QuarantinedItem } from '../../domain/poll-event.js';
import type { RateLimitInfo } from '../connector.js';
import type { LinkedInConnector } from './client.js';
import { normalizeComment, normalizeConversation, normalizeNotification } from './normalize.js';
import {
  RawCollectionSchema,
  RawCommentSchema,
  RawConversationSchema,
  RawNotificationSchema,
  type RawCollection,
} from './schemas.js';

/** Options of a {@link LinkedInPoller}. */
export interface LinkedInPollerOptions {
  /** The client whose resources are polled (stamped on every event). */
  clientId: string;
  /** `count` per page (LinkedIn's maximum is ❓, 100 by one third-party source). @defaultValue 50 */
  pageSize?: number;
  /** Notification actions read as mentions (`COMMENT_MENTION` is ❓). @defaultValue ['SHARE_MENTION'] */
  mentionActions?: readonly string[];
}

/** One polled page. */
export interface LinkedInPollResult {
  events: PollEvent[];
  quarantined: QuarantinedItem[];
  /** The offset of the next page, or null when this page was the last. */
  nextStart: number | null;
  hasMore: boolean;
  /** The newest item time on this page (epoch ms), or null when it had none. */
  newestTimeMs: number | null;
  rateLimit: RateLimitInfo | null;
}

/** Parameters of {@link LinkedInPoller.pollComments}. */
export interface LinkedInPollCommentsParams {
  postUrn: string;
  start: number;
  /** Leave out comments created at or before this time (epoch ms); null keeps all. */
  sinceTimeMs?: number | null;
}

/** Parameters of {@link LinkedInPoller.pollInbox}. */
export interface LinkedInPollInboxParams {
  /** Sent as `createdAfter` (epoch ms); null reads everything. */
  sinceTime: number | null;
  start?: number;
}

/** Parameters of {@link LinkedInPoller.pollMentions}. */
export interface LinkedInPollMentionsParams {
  organizationUrn: string;
  /** The notification time range, epoch ms. */
  sinceTimeMs: number;
  untilTimeMs: number;
  start?: number;
}

type Issues = { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> };

function reasonOf(error: Issues): string {
  return error.issues
    .map((i) => `${i.path.map(String).join('.') || '(item)'}: ${i.message}`)
    .join('; ');
}

function parseCollection(body: unknown, what: string): RawCollection {
  const parsed = RawCollectionSchema.safeParse(body);
  if (!parsed.success) {
    throw new PlatformError(
      'invalid_response',
      `LinkedIn ${what}: malformed page: ${reasonOf(parsed.error)}`,
      {
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}

/**
 * Where the next page starts: `paging.start + paging.count` while that is below `paging.total`;
 * without a total, a full page means there may be more.
 */
function nextStartOf(page: RawCollection, requestedStart: number, pageSize: number): number | null {
  const paging = page.paging;
  if (paging === undefined) return null;
  const step = paging.count > 0 ? paging.count : page.elements.length;
  const next = paging.start + step;
  if (step === 0) return null;
  if (paging.total !== undefined) return next < paging.total ? next : null;
  return page.elements.length >= Math.min(step, pageSize) && next > requestedStart ? next : null;
}

/** Polls one client's LinkedIn comments, inbox and mentions, one page per call. */
export class LinkedInPoller {
  readonly #connector: LinkedInConnector;
  readonly #clientId: string;
  readonly #pageSize: number;
  readonly #mentionActions: readonly string[];

  constructor(connector: LinkedInConnector, options: LinkedInPollerOptions) {
    this.#connector = connector;
    this.#clientId = options.clientId;
    this.#pageSize = options.pageSize ?? 50;
    this.#mentionActions = options.mentionActions ?? ['SHARE_MENTION'];
  }

  /**
   * One page of a post's comments (offset paging; order undocumented, so no early stop). Comments
   * at or before `sinceTimeMs` are left out; the ledger downstream drops any other repeat.
   */
  async pollComments(params: LinkedInPollCommentsParams): Promise<LinkedInPollResult> {
    const response = await this.#connector.getPostComments(params.postUrn, {
      start: params.start,
      count: this.#pageSize,
    });
    const page = parseCollection(response.body, 'comments');
    const ctx = { clientId: this.#clientId, resourceId: params.postUrn };
    return this.#items(
      page,
      params.start,
      response.rateLimit,
      params.sinceTimeMs ?? null,
      (raw) => {
        const parsed = RawCommentSchema.safeParse(raw);
        return parsed.success
          ? { timeMs: parsed.data.created.time, event: normalizeComment(parsed.data, raw, ctx) }
          : { reason: reasonOf(parsed.error) };
      },
    );
  }

  /** One page of the inbox (partner-only Messages API contract): conversations active after `sinceTime`. */
  async pollInbox(params: LinkedInPollInboxParams): Promise<LinkedInPollResult> {
    const start = params.start ?? 0;
    const response = await this.#connector.getConversations({
      createdAfter: params.sinceTime,
      start,
      count: this.#pageSize,
    });
    const page = parseCollection(response.body, 'inbox');
    const ctx = { clientId: this.#clientId, resourceId: null };
    return this.#items(page, start, response.rateLimit, null, (raw) => {
      const parsed = RawConversationSchema.safeParse(raw);
      return parsed.success
        ? {
            timeMs: parsed.data.lastActivityAt,
            event: normalizeConversation(parsed.data, raw, ctx),
          }
        : { reason: reasonOf(parsed.error) };
    });
  }

  /** One page of an organization's mention notifications in a time range. */
  async pollMentions(params: LinkedInPollMentionsParams): Promise<LinkedInPollResult> {
    const start = params.start ?? 0;
    const response = await this.#connector.getOrganizationNotifications(params.organizationUrn, {
      startMs: params.sinceTimeMs,
      endMs: params.untilTimeMs,
      actions: this.#mentionActions,
      start,
      count: this.#pageSize,
    });
    const page = parseCollection(response.body, 'mentions');
    const ctx = { clientId: this.#clientId, resourceId: params.organizationUrn };
    return this.#items(page, start, response.rateLimit, null, (raw) => {
      const parsed = RawNotificationSchema.safeParse(raw);
      return parsed.success
        ? {
            timeMs: parsed.data.lastModifiedAt,
            event: normalizeNotification(parsed.data, raw, ctx),
          }
        : { reason: reasonOf(parsed.error) };
    });
  }

  #items(
    page: RawCollection,
    start: number,
    rateLimit: RateLimitInfo | null,
    sinceTimeMs: number | null,
    toEvent: (raw: unknown) => { timeMs: number; event: PollEvent } | { reason: string },
  ): LinkedInPollResult {
    const events: PollEvent[] = [];
    const quarantined: QuarantinedItem[] = [];
    let newestTimeMs: number | null = null;
    for (const raw of page.elements) {
      const result = toEvent(raw);
      if ('reason' in result) {
        quarantined.push({ platform: 'linkedin', reason: result.reason, raw });
        continue;
      }
      newestTimeMs = Math.max(newestTimeMs ?? 0, result.timeMs);
      if (sinceTimeMs === null || result.timeMs > sinceTimeMs) events.push(result.event);
    }
    const nextStart = nextStartOf(page, start, this.#pageSize);
    return { events, quarantined, nextStart, hasMore: nextStart !== null, newestTimeMs, rateLimit };
  }
}
