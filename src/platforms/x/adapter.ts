/**
 * The X {@link PlatformAdapter}: maps the pipeline's page requests onto {@link XPoller}.
 *
 * Cursor semantics (every resource type): the cursor is the newest X id committed, a snowflake as a
 * decimal string (e.g. `1578522401263919106`); ids are compared as digit strings, never as numbers.
 * - `mentions` (resourceId = user id) and `replies` (resourceId = post id): a walk asks for
 *   `since_id` = cursor minus `overlapMs` in snowflake time (`overlapMs << 22`, floor 0: then no
 *   since_id), so items indexed late (a lower id appearing after newer ones) are read again; the
 *   ledger downstream drops what was already emitted. Every page of a walk keeps that since_id and
 *   follows `pageToken` (X's `pagination_token`/`next_token`); a short page with a token is not the
 *   end. The first page's `meta.newest_id` is the cursor candidate; later pages give none. Replies
 *   whose since_id lies beyond the 7-day search window ask for `start_time` = now − window instead
 *   (X answers 400 to an older since_id).
 * - `dms`: no since filter exists; pages come newest first and the walk stops at the first event at
 *   or below the cursor minus the overlap. The first page's newest event id is the candidate.
 */
import { systemClock, type Clock } from '../../domain/clock.js';
import { PlatformError } from '../../domain/errors.js';
import type { ResourceType } from '../../domain/platform.js';
import {
  compareDecimalIds,
  type PageRequest,
  type PageResult,
  type PlatformAdapter,
} from '../connector.js';
import type { XConnector } from './client.js';
import { snowflakeTimeMs } from './normalize.js';
import { XPoller, type XPollResult } from './poller.js';

/** Something that hands out one client's {@link XConnector} (an {@link XClient}). */
export interface XConnectorSource {
  forClient(clientId: string): XConnector;
}

/** Options of an {@link XAdapter}. */
export interface XAdapterOptions {
  client: XConnectorSource;
  /** How far before the cursor each walk starts again, for late-indexed items. @defaultValue 120_000 */
  overlapMs?: number;
  /** How far back recent search reaches, less a safety margin. @defaultValue 7 days − 1 hour */
  searchWindowMs?: number;
  /** `max_results` for mentions and search. @defaultValue 100 */
  pageSize?: number;
  /** Source of now (search window). @defaultValue systemClock */
  clock?: Clock;
}

const DECIMAL = /^[0-9]{1,19}$/;

/**
 * The since id `overlapMs` before `cursor` in snowflake time (ids carry their ms time above bit
 * 22), or null when that is at or before the X epoch.
 */
export function sinceIdWithOverlap(cursor: string | null, overlapMs: number): string | null {
  if (cursor === null) return null;
  const since = BigInt(cursor) - (BigInt(Math.max(0, Math.floor(overlapMs))) << 22n);
  return since > 0n ? since.toString() : null;
}

function checkCursor(cursor: string | null): string | null {
  if (cursor !== null && !DECIMAL.test(cursor)) {
    throw new PlatformError(
      'invalid_request',
      `X cursor ${JSON.stringify(cursor.slice(0, 40))} is not an X id`,
    );
  }
  return cursor;
}

function resourceIdOf(request: PageRequest): string {
  if (request.resourceId === undefined || !DECIMAL.test(request.resourceId)) {
    throw new PlatformError(
      'invalid_request',
      `X ${request.resourceType} needs a numeric resourceId`,
    );
  }
  return request.resourceId;
}

/** X as the pipeline sees it: mentions, replies and DMs. */
export class XAdapter implements PlatformAdapter {
  readonly platform = 'x' as const;
  readonly #client: XConnectorSource;
  readonly #overlapMs: number;
  readonly #searchWindowMs: number;
  readonly #pageSize: number;
  readonly #clock: Clock;

  constructor(options: XAdapterOptions) {
    this.#client = options.client;
    this.#overlapMs = options.overlapMs ?? 120_000;
    this.#searchWindowMs = options.searchWindowMs ?? 7 * 86_400_000 - 3_600_000;
    this.#pageSize = options.pageSize ?? 100;
    this.#clock = options.clock ?? systemClock;
  }

  /** Rate-limit endpoint keys: `mentions`, `search`, `dm_events`. */
  endpointOf(resourceType: ResourceType): string {
    switch (resourceType) {
      case 'mentions':
        return 'mentions';
      case 'replies':
        return 'search';
      case 'dms':
        return 'dm_events';
      case 'comments':
      case 'inbox':
        throw new Error(`X has no ${resourceType} resource`);
    }
  }

  /** One page; see the module comment for the cursor semantics. */
  async fetchPage(request: PageRequest): Promise<PageResult> {
    const cursor = checkCursor(request.cursor);
    const since = sinceIdWithOverlap(cursor, this.#overlapMs);
    const poller = new XPoller(this.#client.forClient(request.clientId), {
      clientId: request.clientId,
      pageSize: this.#pageSize,
    });
    let result: XPollResult;
    switch (request.resourceType) {
      case 'mentions':
        result = await poller.pollMentions({
          userId: resourceIdOf(request),
          sinceId: since,
          paginationToken: request.pageToken,
        });
        break;
      case 'replies': {
        const windowStartMs = this.#clock.now() - this.#searchWindowMs;
        const tooOld = since !== null && snowflakeTimeMs(since) < windowStartMs;
        result = await poller.pollReplies({
          tweetId: resourceIdOf(request),
          sinceId: tooOld ? null : since,
          startTime: tooOld ? new Date(windowStartMs).toISOString() : null,
          nextToken: request.pageToken,
        });
        break;
      }
      case 'dms':
        result = await poller.pollDMs({ sinceId: since, paginationToken: request.pageToken });
        break;
      case 'comments':
      case 'inbox':
        throw new Error(`X has no ${request.resourceType} resource`);
    }
    return {
      events: result.events,
      quarantined: result.quarantined,
      nextPageToken: result.nextToken,
      cursorCandidate: request.pageToken === null ? result.newestId : null,
      rateLimit: result.rateLimit,
    };
  }

  /** The larger X id; a cursor that is not an X id loses to one that is. */
  maxCursor(a: string | null, b: string | null): string | null {
    if (a === null || !DECIMAL.test(a)) return b !== null && DECIMAL.test(b) ? b : (a ?? b);
    if (b === null || !DECIMAL.test(b)) return a;
    return compareDecimalIds(a, b) >= 0 ? a : b;
  }
}
