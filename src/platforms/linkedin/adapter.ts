/**
 * The LinkedIn {@link PlatformAdapter}: maps the pipeline's page requests onto {@link LinkedInPoller}.
 *
 * Cursor semantics: for every resource type the cursor is the newest item time committed, in epoch
 * ms as a decimal string (e.g. `1691743122924`).
 * - `comments` (resourceId = post URN): no since filter and an undocumented order, so each walk
 *   pages from `start=0` (page token = the next `start`) up to `maxPagesPerWalk` pages and emits
 *   comments created after the cursor minus `overlapMs`; the ledger drops repeats. Every page gives
 *   its newest comment time as the cursor candidate, to be combined with {@link LinkedInAdapter.maxCursor}.
 * - `inbox` (no resourceId; the partner-only Messages API contract): `createdAfter` = cursor minus
 *   the overlap; page token = the next `start`; every page gives its newest activity as candidate.
 * - `mentions` (resourceId = organization URN): notifications in the time range from cursor minus
 *   the overlap (first poll: now minus `initialLookbackMs`) to now; the page token is
 *   `<next start>:<range end ms>` so every page of a walk keeps the same range; every page gives its
 *   newest notification time as the candidate.
 */
import { systemClock, type Clock } from '../../domain/clock.js';
import { PlatformError } from '../../domain/errors.js';
import type { ResourceType } from '../../domain/platform.js';
import type { PageRequest, PageResult, PlatformAdapter } from '../connector.js';
import type { LinkedInConnector } from './client.js';
import { LinkedInPoller, type LinkedInPollResult } from './poller.js';

/** Something that hands out one client's {@link LinkedInConnector} (a {@link LinkedInClient}). */
export interface LinkedInConnectorSource {
  forClient(clientId: string): LinkedInConnector;
}

/** Options of a {@link LinkedInAdapter}. */
export interface LinkedInAdapterOptions {
  client: LinkedInConnectorSource;
  /** How far before the cursor each walk reads again. @defaultValue 600_000 */
  overlapMs?: number;
  /** `count` per page. @defaultValue 50 */
  pageSize?: number;
  /** Most comment pages one walk reads (order is undocumented: a cap bounds the cost). @defaultValue 10 */
  maxPagesPerWalk?: number;
  /** How far back the first mentions poll looks (notifications are kept 60 days). @defaultValue 604_800_000 */
  initialLookbackMs?: number;
  /** Notification actions read as mentions. @defaultValue ['SHARE_MENTION'] */
  mentionActions?: readonly string[];
  /** Source of now (mention time ranges). @defaultValue systemClock */
  clock?: Clock;
}

const MS = /^[0-9]{1,15}$/;

function timeOf(cursor: string | null): number | null {
  if (cursor === null) return null;
  if (!MS.test(cursor)) {
    throw new PlatformError(
      'invalid_request',
      `LinkedIn cursor ${JSON.stringify(cursor.slice(0, 40))} is not epoch ms`,
    );
  }
  return Number(cursor);
}

function offsetOf(pageToken: string | null): number {
  if (pageToken === null) return 0;
  if (!/^[0-9]{1,9}$/.test(pageToken)) {
    throw new PlatformError(
      'invalid_request',
      `LinkedIn page token ${JSON.stringify(pageToken.slice(0, 40))} is not an offset`,
    );
  }
  return Number(pageToken);
}

function resourceIdOf(request: PageRequest): string {
  if (request.resourceId === undefined || request.resourceId === '') {
    throw new PlatformError(
      'invalid_request',
      `LinkedIn ${request.resourceType} needs a URN resourceId`,
    );
  }
  return request.resourceId;
}

/** LinkedIn as the pipeline sees it: post comments, the inbox and organization mentions. */
export class LinkedInAdapter implements PlatformAdapter {
  readonly platform = 'linkedin' as const;
  readonly #client: LinkedInConnectorSource;
  readonly #overlapMs: number;
  readonly #pageSize: number;
  readonly #maxPagesPerWalk: number;
  readonly #initialLookbackMs: number;
  readonly #mentionActions: readonly string[];
  readonly #clock: Clock;

  constructor(options: LinkedInAdapterOptions) {
    this.#client = options.client;
    this.#overlapMs = options.overlapMs ?? 600_000;
    this.#pageSize = options.pageSize ?? 50;
    this.#maxPagesPerWalk = options.maxPagesPerWalk ?? 10;
    this.#initialLookbackMs = options.initialLookbackMs ?? 604_800_000;
    this.#mentionActions = options.mentionActions ?? ['SHARE_MENTION'];
    this.#clock = options.clock ?? systemClock;
  }

  /** Rate-limit endpoint keys: `comments`, `conversations`, `notifications`. */
  endpointOf(resourceType: ResourceType): string {
    switch (resourceType) {
      case 'comments':
        return 'comments';
      case 'inbox':
        return 'conversations';
      case 'mentions':
        return 'notifications';
      case 'replies':
      case 'dms':
        throw new Error(`LinkedIn has no ${resourceType} resource`);
    }
  }

  /** One page; see the module comment for the cursor semantics. */
  async fetchPage(request: PageRequest): Promise<PageResult> {
    const cursorMs = timeOf(request.cursor);
    const sinceMs = cursorMs === null ? null : Math.max(0, cursorMs - this.#overlapMs);
    const poller = new LinkedInPoller(this.#client.forClient(request.clientId), {
      clientId: request.clientId,
      pageSize: this.#pageSize,
      mentionActions: this.#mentionActions,
    });
    let result: LinkedInPollResult;
    let nextPageToken: string | null;
    switch (request.resourceType) {
      case 'comments': {
        const start = offsetOf(request.pageToken);
        result = await poller.pollComments({
          postUrn: resourceIdOf(request),
          start,
          sinceTimeMs: sinceMs,
        });
        const pagesRead = Math.floor(start / this.#pageSize) + 1;
        nextPageToken =
          result.nextStart !== null && pagesRead < this.#maxPagesPerWalk
            ? String(result.nextStart)
            : null;
        break;
      }
      case 'inbox': {
        result = await poller.pollInbox({ sinceTime: sinceMs, start: offsetOf(request.pageToken) });
        nextPageToken = result.nextStart === null ? null : String(result.nextStart);
        break;
      }
      case 'mentions': {
        const [startPart, endPart] = (request.pageToken ?? '').split(':');
        const untilTimeMs =
          request.pageToken === null ? this.#clock.now() : (timeOf(endPart ?? '') ?? 0);
        result = await poller.pollMentions({
          organizationUrn: resourceIdOf(request),
          sinceTimeMs: sinceMs ?? Math.max(0, untilTimeMs - this.#initialLookbackMs),
          untilTimeMs,
          start: offsetOf(request.pageToken === null ? null : (startPart ?? '')),
        });
        nextPageToken = result.nextStart === null ? null : `${result.nextStart}:${untilTimeMs}`;
        break;
      }
      case 'replies':
      case 'dms':
        throw new Error(`LinkedIn has no ${request.resourceType} resource`);
    }
    return {
      events: result.events,
      quarantined: result.quarantined,
      nextPageToken,
      cursorCandidate: result.newestTimeMs !== null ? String(result.newestTimeMs) : null,
      rateLimit: result.rateLimit,
    };
  }

  /** The later time; a cursor that is not epoch ms loses to one that is. */
  maxCursor(a: string | null, b: string | null): string | null {
    if (a === null || !MS.test(a)) return b !== null && MS.test(b) ? b : (a ?? b);
    if (b === null || !MS.test(b)) return a;
    return Number(a) >= Number(b) ? a : b;
  }
}
