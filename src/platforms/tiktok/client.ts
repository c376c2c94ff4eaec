/**
 * HTTP client of the TikTok endpoints this product reads. HTTP only: one request per call, the
 * token fetched from the {@link CredentialProvider} for every request, a timeout, no retries.
 * Bodies are parsed losslessly (int64 ids survive). A failed response (including the Business API's
 * HTTP 200 with a non-zero `code`) is thrown as the {@link PlatformError} `classify.ts` decides.
 */
import { systemClock, type Clock } from '../../domain/clock.js';
import { PlatformError } from '../../domain/errors.js';
import {
  transportOf,
  type ConnectorResponse,
  type CredentialProvider,
  type HeaderMap,
  type HttpAnswer,
  type HttpRequest,
  type HttpTransport,
} from '../connector.js';
import {
  classifyTikTokBusinessResponse,
  classifyTikTokFailure,
  classifyTikTokResearchResponse,
  readTikTokBusinessRateLimit,
  type TikTokClassifyOptions,
  type TikTokResponseInput,
} from './classify.js';
import { parseJsonLossless } from './lossless-json.js';

/** Largest `max_count` the Business comment list accepts. */
export const TIKTOK_BUSINESS_MAX_COUNT = 30;
/** Largest `max_count` the Research comment list accepts. */
export const TIKTOK_RESEARCH_MAX_COUNT = 100;
/** Fields asked of the Research comment list. */
export const TIKTOK_RESEARCH_FIELDS = [
  'id',
  'video_id',
  'text',
  'like_count',
  'reply_count',
  'parent_comment_id',
  'create_time',
] as const;

/** Query of a comment list call. */
export interface TikTokCommentsParams {
  /** The offset to continue from (TikTok's integer `cursor`); null or absent: 0. */
  cursor?: number | null;
  max_count?: number;
}

/** The TikTok calls of one client. Bodies are parsed (losslessly), not yet validated. */
export interface TikTokConnector {
  /**
   * `GET /open_api/v1.3/business/comment/list/` (Business / Accounts API), newest first
   * (`sort_field=create_time`, `sort_order=desc`), `max_count` ≤ 30.
   */
  getVideoComments(
    videoId: string,
    params: TikTokCommentsParams,
  ): Promise<ConnectorResponse<unknown>>;
  /**
   * `POST /v2/research/video/comment/list/` (Research API; non-commercial use only, so an optional
   * source for demos): unsorted, offset cursor, at most 1,000 comments per video.
   */
  getResearchVideoComments(
    videoId: string,
    params: TikTokCommentsParams,
  ): Promise<ConnectorResponse<unknown>>;
}

/** Options of a {@link TikTokClient}. */
export interface TikTokClientOptions {
  credentials: CredentialProvider;
  /** Business API scheme and host. @defaultValue 'https://business-api.tiktok.com' */
  businessBaseUrl?: string;
  /** Research API scheme and host. @defaultValue 'https://open.tiktokapis.com' */
  researchBaseUrl?: string;
  /** Per-request timeout. @defaultValue 10_000 */
  timeoutMs?: number;
  /** Source of now. @defaultValue systemClock */
  clock?: Clock;
  /** Classifier options (cool-down, extra codes). @defaultValue {} */
  classify?: TikTokClassifyOptions;
  /** A fetch to use instead of the default keep-alive `node:http` transport (tests). */
  fetch?: typeof fetch;
}

interface Sent {
  status: number;
  headers: HeaderMap;
  body: unknown;
  secrets: string[];
}

/** Thin HTTP client of TikTok; {@link TikTokClient.forClient} binds it to one client's credentials. */
export class TikTokClient {
  readonly #credentials: CredentialProvider;
  readonly #businessBaseUrl: string;
  readonly #researchBaseUrl: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #classify: TikTokClassifyOptions;
  readonly #transport: HttpTransport;

  constructor(options: TikTokClientOptions) {
    this.#credentials = options.credentials;
    this.#businessBaseUrl = (options.businessBaseUrl ?? 'https://business-api.tiktok.com').replace(
      /\/+$/,
      '',
    );
    this.#researchBaseUrl = (options.researchBaseUrl ?? 'https://open.tiktokapis.com').replace(
      /\/+$/,
      '',
    );
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
    this.#classify = options.classify ?? {};
    this.#transport = transportOf(options.fetch);
  }

  /** The connector for one client: every call uses that client's TikTok token. */
  forClient(clientId: string): TikTokConnector {
    return {
      getVideoComments: (videoId, params) => this.#businessComments(clientId, videoId, params),
      getResearchVideoComments: (videoId, params) =>
        this.#researchComments(clientId, videoId, params),
    };
  }

  async #businessComments(
    clientId: string,
    videoId: string,
    params: TikTokCommentsParams,
  ): Promise<ConnectorResponse<unknown>> {
    const credentials = await this.#credentials.getCredentials(clientId, 'tiktok');
    if (credentials.accountId === undefined || credentials.accountId === '') {
      throw new PlatformError(
        'auth',
        'TikTok Business credentials carry no business_id (accountId)',
      );
    }
    const url = new URL(`${this.#businessBaseUrl}/open_api/v1.3/business/comment/list/`);
    url.searchParams.set('business_id', credentials.accountId);
    url.searchParams.set('video_id', videoId);
    url.searchParams.set('sort_field', 'create_time');
    url.searchParams.set('sort_order', 'desc');
    url.searchParams.set('cursor', String(params.cursor ?? 0));
    url.searchParams.set(
      'max_count',
      String(clampCount(params.max_count, TIKTOK_BUSINESS_MAX_COUNT)),
    );
    const sent = await this.#send(
      url,
      {
        method: 'GET',
        headers: { 'access-token': credentials.accessToken, accept: 'application/json' },
      },
      [credentials.accessToken],
    );
    const input: TikTokResponseInput = { ...sent, nowMs: this.#clock.now() };
    const error = classifyTikTokBusinessResponse(input, this.#classify);
    if (error !== null) throw error;
    return {
      status: sent.status,
      body: sent.body,
      rateLimit: readTikTokBusinessRateLimit(sent.body, this.#classify),
    };
  }

  async #researchComments(
    clientId: string,
    videoId: string,
    params: TikTokCommentsParams,
  ): Promise<ConnectorResponse<unknown>> {
    if (!/^[0-9]{1,19}$/.test(videoId)) {
      throw new PlatformError('invalid_request', 'TikTok Research needs a numeric video id');
    }
    const { accessToken } = await this.#credentials.getCredentials(clientId, 'tiktok');
    const url = new URL(`${this.#researchBaseUrl}/v2/research/video/comment/list/`);
    url.searchParams.set('fields', TIKTOK_RESEARCH_FIELDS.join(','));
    const cursor = Math.max(0, Math.floor(params.cursor ?? 0));
    const maxCount = clampCount(params.max_count, TIKTOK_RESEARCH_MAX_COUNT);
    // video_id is an int64 sent as a bare JSON number: written by hand so no digit is lost.
    const body = `{"video_id":${videoId},"max_count":${maxCount},"cursor":${cursor}}`;
    const sent = await this.#send(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${accessToken}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body,
      },
      [accessToken],
    );
    const error = classifyTikTokResearchResponse({ ...sent, nowMs: this.#clock.now() });
    if (error !== null) throw error;
    return { status: sent.status, body: sent.body, rateLimit: null };
  }

  async #send(url: URL, init: Omit<HttpRequest, 'timeoutMs'>, secrets: string[]): Promise<Sent> {
    let response: HttpAnswer;
    try {
      response = await this.#transport(url, { ...init, timeoutMs: this.#timeoutMs });
    } catch (err) {
      throw classifyTikTokFailure(err, secrets);
    }
    return {
      status: response.status,
      headers: response.headers,
      body: parseBody(response.text),
      secrets,
    };
  }
}

function clampCount(value: number | undefined, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return max;
  return Math.min(max, Math.max(1, Math.floor(value)));
}

/** The body parsed losslessly, or undefined when it is not JSON (left to the poller to report). */
function parseBody(text: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch (err) {
    void err; // not JSON: classified by status, or reported as invalid_response by the poller
    return undefined;
  }
}
