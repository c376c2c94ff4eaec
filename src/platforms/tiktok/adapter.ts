/**
 * The TikTok {@link PlatformAdapter}: maps the pipeline's page requests onto {@link TikTokPoller}.
 *
 * Cursor semantics (`comments`, resourceId = video id): the cursor is the newest comment committed,
 * written `<create_time epoch s>:<comment_id>` (e.g. `1655461098:7110150495453840130`); the page
 * token is TikTok's integer cursor (an offset) as a string.
 * - Business API (default source): asked for newest first (`sort_field=create_time`,
 *   `sort_order=desc`); the walk stops at the first comment created at or before the cursor's time
 *   minus `overlapMs`, so comments near the checkpoint are read again and the ledger drops repeats.
 *   The first page's newest comment is the cursor candidate. (Beyond 500 comments TikTok falls back
 *   to likes order; the overlap and the ledger keep that from emitting twice, not from missing.)
 * - Research API (`source: 'research'`): unsorted, so every walk reads the whole list (to its
 *   1,000-comment cap) and emits comments newer than the cursor minus the overlap; every page gives
 *   its own newest comment as candidate, to be combined with {@link TikTokAdapter.maxCursor}.
 */
import { PlatformError } from '../../domain/errors.js';
import type { ResourceType } from '../../domain/platform.js';
import type { PageRequest, PageResult, PlatformAdapter } from '../connector.js';
import type { TikTokConnector } from './client.js';
import {
  compareTikTokCheckpoints,
  formatTikTokCheckpoint,
  parseTikTokCheckpoint,
} from './normalize.js';
import { TikTokPoller } from './poller.js';

/** Something that hands out one client's {@link TikTokConnector} (a {@link TikTokClient}). */
export interface TikTokConnectorSource {
  forClient(clientId: string): TikTokConnector;
}

/** Options of a {@link TikTokAdapter}. */
export interface TikTokAdapterOptions {
  client: TikTokConnectorSource;
  /** Which comment list to read. @defaultValue 'business' */
  source?: 'business' | 'research';
  /** How far before the checkpoint each walk reads again. @defaultValue 300_000 */
  overlapMs?: number;
  /** `max_count` of the Business API (≤ 30). @defaultValue 30 */
  pageSize?: number;
}

/** TikTok as the pipeline sees it: video comments. */
export class TikTokAdapter implements PlatformAdapter {
  readonly platform = 'tiktok' as const;
  readonly #client: TikTokConnectorSource;
  readonly #source: 'business' | 'research';
  readonly #overlapMs: number;
  readonly #pageSize: number;

  constructor(options: TikTokAdapterOptions) {
    this.#client = options.client;
    this.#source = options.source ?? 'business';
    this.#overlapMs = options.overlapMs ?? 300_000;
    this.#pageSize = options.pageSize ?? 30;
  }

  /** Rate-limit endpoint key: `comment_list` (Business) or `research_comment_list`. */
  endpointOf(resourceType: ResourceType): string {
    if (resourceType !== 'comments') throw new Error(`TikTok has no ${resourceType} resource`);
    return this.#source === 'business' ? 'comment_list' : 'research_comment_list';
  }

  /** One page; see the module comment for the cursor semantics. */
  async fetchPage(request: PageRequest): Promise<PageResult> {
    if (request.resourceType !== 'comments')
      throw new Error(`TikTok has no ${request.resourceType} resource`);
    if (request.resourceId === undefined || request.resourceId === '') {
      throw new PlatformError('invalid_request', 'TikTok comments need a video id');
    }
    let stopAtOrBeforeS: number | null = null;
    if (request.cursor !== null) {
      const checkpoint = parseTikTokCheckpoint(request.cursor);
      if (checkpoint === null) {
        throw new PlatformError(
          'invalid_request',
          `TikTok cursor ${JSON.stringify(request.cursor.slice(0, 40))} is not <create_time>:<comment_id>`,
        );
      }
      stopAtOrBeforeS = checkpoint.createTimeS - Math.ceil(this.#overlapMs / 1000);
    }
    const poller = new TikTokPoller(this.#client.forClient(request.clientId), {
      clientId: request.clientId,
      pageSize: this.#pageSize,
    });
    const params = { videoId: request.resourceId, cursor: request.pageToken, stopAtOrBeforeS };
    const research = this.#source === 'research';
    const result = research
      ? await poller.pollResearchComments(params)
      : await poller.pollComments(params);
    const candidate = research || request.pageToken === null ? result.newest : null;
    return {
      events: result.events,
      quarantined: result.quarantined,
      nextPageToken: result.nextCursor,
      cursorCandidate: candidate === null ? null : formatTikTokCheckpoint(candidate),
      rateLimit: result.rateLimit,
    };
  }

  /** The later checkpoint (time, then id); a cursor that is not a checkpoint loses to one that is. */
  maxCursor(a: string | null, b: string | null): string | null {
    const pa = a === null ? null : parseTikTokCheckpoint(a);
    const pb = b === null ? null : parseTikTokCheckpoint(b);
    if (pa === null) return pb === null ? (a ?? b) : b;
    if (pb === null) return a;
    return compareTikTokCheckpoints(pa, pb) >= 0 ? a : b;
  }
}
