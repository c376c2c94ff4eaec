/**
 * X pollers: one page of mentions, replies or DMs, validated with zod, normalized to
 * {@link PollEvent}s, with where to continue. A malformed item is quarantined and the rest of the
 * page counts; a malformed envelope is `invalid_response`.
 */
import { PlatformError } from '../../domain/errors.js';
import type { PollEvent, QuarantinedItem } from '../../domain/poll-event.js';
import type { ResourceType } from '../../domain/platform.js';
import { compareDecimalIds, type RateLimitInfo } from '../connector.js';
import type { XConnector } from './client.js';
import {
  normalizeDm,
  normalizeMention,
  normalizeReply,
  usersById,
  type XNormalizeContext,
} from './normalize.js';
import {
  RawDmEventSchema,
  RawPageSchema,
  RawTweetSchema,
  type RawPage,
  type RawTweet,
} from './schemas.js';

/** Options of an {@link XPoller}. */
export interface XPollerOptions {
  /** The client whose resources are polled (stamped on every event). */
  clientId: string;
  /** `max_results` for mentions and search. @defaultValue 100 */
  pageSize?: number;
  /** `max_results` for DM events. @defaultValue 100 */
  dmPageSize?: number;
}

/** One polled page. */
export interface XPollResult {
  events: PollEvent[];
  quarantined: QuarantinedItem[];
  /** The token of the next page, or null when this page was the last one to read. */
  nextToken: string | null;
  hasMore: boolean;
  /** The newest id on this page (`meta.newest_id`, else the largest id seen), or null when empty. */
  newestId: string | null;
  rateLimit: RateLimitInfo | null;
}

/** Parameters of {@link XPoller.pollMentions}. */
export interface XPollMentionsParams {
  userId: string;
  /** Exclusive lower bound sent as `since_id`; keep it the same for every page of a walk. */
  sinceId: string | null;
  paginationToken?: string | null;
}

/** Parameters of {@link XPoller.pollReplies}. */
export interface XPollRepliesParams {
  tweetId: string;
  sinceId: string | null;
  nextToken?: string | null;
  /** RFC 3339 start instead of `sinceId` (when the since id is older than search reaches). */
  startTime?: string | null;
}

/** Parameters of {@link XPoller.pollDMs}. */
export interface XPollDmsParams {
  /** Stop at the first event with an id at or below this one (DM lookup has no since filter). */
  sinceId: string | null;
  paginationToken?: string | null;
}

function reasonOf(error: {
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
}): string {
  return error.issues
    .map((i) => `${i.path.map(String).join('.') || '(item)'}: ${i.message}`)
    .join('; ');
}

/** The page envelope, or `invalid_response`. */
function parsePage(body: unknown, what: string): RawPage {
  const parsed = RawPageSchema.safeParse(body);
  if (!parsed.success) {
    throw new PlatformError(
      'invalid_response',
      `X ${what}: malformed page: ${reasonOf(parsed.error)}`,
      {
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}

function newestOf(page: RawPage, ids: string[]): string | null {
  if (page.meta?.newest_id !== undefined) return page.meta.newest_id;
  return ids.reduce<string | null>(
    (a, b) => (a === null || compareDecimalIds(b, a) > 0 ? b : a),
    null,
  );
}

/** Polls one client's X mentions, replies and DMs, one page per call. */
export class XPoller {
  readonly #connector: XConnector;
  readonly #clientId: string;
  readonly #pageSize: number;
  readonly #dmPageSize: number;

  constructor(connector: XConnector, options: XPollerOptions) {
    this.#connector = connector;
    this.#clientId = options.clientId;
    this.#pageSize = options.pageSize ?? 100;
    this.#dmPageSize = options.dmPageSize ?? 100;
  }

  /** One page of posts mentioning `userId`, as `mention` events. */
  async pollMentions(params: XPollMentionsParams): Promise<XPollResult> {
    const response = await this.#connector.getMentions(params.userId, {
      since_id: params.sinceId,
      pagination_token: params.paginationToken ?? null,
      max_results: this.#pageSize,
    });
    return this.#tweetPage(
      response.body,
      response.rateLimit,
      'mentions',
      params.userId,
      normalizeMention,
    );
  }

  /** One page of replies in the conversation of `tweetId`, as `comment` events with a parentId. */
  async pollReplies(params: XPollRepliesParams): Promise<XPollResult> {
    const response = await this.#connector.getTweetReplies(params.tweetId, {
      since_id: params.sinceId,
      next_token: params.nextToken ?? null,
      start_time: params.startTime ?? null,
      max_results: this.#pageSize,
    });
    return this.#tweetPage(
      response.body,
      response.rateLimit,
      'replies',
      params.tweetId,
      normalizeReply,
    );
  }

  /**
   * One page of DM events (newest first), as `dm` events; join/leave events are skipped. The walk
   * stops at the first event at or below `sinceId`: that event and those after it are left out.
   */
  async pollDMs(params: XPollDmsParams): Promise<XPollResult> {
    const response = await this.#connector.getDirectMessages({
      pagination_token: params.paginationToken ?? null,
      max_results: this.#dmPageSize,
    });
    const page = parsePage(response.body, 'dms');
    const ctx = this.#context('dms', null, page);
    const events: PollEvent[] = [];
    const quarantined: QuarantinedItem[] = [];
    const ids: string[] = [];
    let reachedSince = false;
    for (const raw of page.data ?? []) {
      const parsed = RawDmEventSchema.safeParse(raw);
      if (!parsed.success) {
        quarantined.push({ platform: 'x', reason: reasonOf(parsed.error), raw });
        continue;
      }
      if (params.sinceId !== null && compareDecimalIds(parsed.data.id, params.sinceId) <= 0) {
        reachedSince = true;
        break;
      }
      ids.push(parsed.data.id);
      const event = normalizeDm(parsed.data, raw, ctx);
      if (event !== null) events.push(event);
    }
    const nextToken = reachedSince ? null : (page.meta?.next_token ?? null);
    return {
      events,
      quarantined,
      nextToken,
      hasMore: nextToken !== null,
      newestId: ids.reduce<string | null>(
        (a, b) => (a === null || compareDecimalIds(b, a) > 0 ? b : a),
        null,
      ),
      rateLimit: response.rateLimit,
    };
  }

  #context(type: ResourceType, id: string | null, page: RawPage): XNormalizeContext {
    return {
      clientId: this.#clientId,
      resource: { type, id },
      users: usersById(page.includes?.users),
    };
  }

  #tweetPage(
    body: unknown,
    rateLimit: RateLimitInfo | null,
    type: 'mentions' | 'replies',
    resourceId: string,
    normalize: (tweet: RawTweet, raw: unknown, ctx: XNormalizeContext) => PollEvent,
  ): XPollResult {
    const page = parsePage(body, type);
    const ctx = this.#context(type, resourceId, page);
    const events: PollEvent[] = [];
    const quarantined: QuarantinedItem[] = [];
    const ids: string[] = [];
    for (const raw of page.data ?? []) {
      const parsed = RawTweetSchema.safeParse(raw);
      if (parsed.success) {
        ids.push(parsed.data.id);
        events.push(normalize(parsed.data, raw, ctx));
      } else {
        quarantined.push({ platform: 'x', reason: reasonOf(parsed.error), raw });
      }
    }
    // A short page with a next_token is not the end: only a missing token is.
    const nextToken = page.meta?.next_token ?? null;
    return {
      events,
      quarantined,
      nextToken,
      hasMore: nextToken !== null,
      newestId: newestOf(page, ids),
      rateLimit,
    };
  }
}
