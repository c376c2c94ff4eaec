/**
 * HTTP client of the X API v2 endpoints this product reads. HTTP only: one request per call, the
 * token fetched from the {@link CredentialProvider} for every request, a timeout, no retries (retry
 * policy belongs to the worker). The default transport (`node:http`, keep-alive) reuses connections. A failed response is thrown
 * as the {@link PlatformError} that `classify.ts` decides.
 */
import { systemClock, type Clock } from '../../domain/clock.js';
import type { PlatformError } from '../../domain/errors.js';
import {
  transportOf,
  type ConnectorResponse,
  type CredentialProvider,
  type HttpAnswer,
  type HttpTransport,
} from '../connector.js';
import {
  classifyXFailure,
  classifyXResponse,
  readXRateLimit,
  type XClassifyOptions,
} from './classify.js';

/** Post fields asked for on mentions and search: what fills a {@link PollEvent}. */
export const X_POST_FIELDS = [
  'created_at',
  'author_id',
  'conversation_id',
  'in_reply_to_user_id',
  'referenced_tweets',
  'edit_history_tweet_ids',
] as const;
/** DM event fields asked for. */
export const X_DM_EVENT_FIELDS = [
  'id',
  'text',
  'event_type',
  'created_at',
  'sender_id',
  'dm_conversation_id',
  'participant_ids',
] as const;
/** User fields asked for with the author/sender expansion. */
export const X_USER_FIELDS = ['name', 'username'] as const;

/** Query of {@link XConnector.getMentions}. */
export interface XMentionsParams {
  since_id?: string | null;
  pagination_token?: string | null;
  /** 5–100. */
  max_results?: number;
}

/** Query of {@link XConnector.getTweetReplies}. `since_id` and `start_time` are exclusive. */
export interface XRepliesParams {
  since_id?: string | null;
  next_token?: string | null;
  /** RFC 3339; used instead of a since_id older than the 7-day search window. */
  start_time?: string | null;
  /** 10–100. */
  max_results?: number;
}

/** Query of {@link XConnector.getDirectMessages} (DM lookup has no since filter). */
export interface XDirectMessagesParams {
  pagination_token?: string | null;
  /** 1–100. */
  max_results?: number;
}

/** The X calls of one client (token looked up per request). Bodies are parsed, not yet validated. */
export interface XConnector {
  /** `GET /2/users/:id/mentions`. */
  getMentions(userId: string, params: XMentionsParams): Promise<ConnectorResponse<unknown>>;
  /** `GET /2/tweets/search/recent?query=conversation_id:<id>`. */
  getTweetReplies(tweetId: string, params: XRepliesParams): Promise<ConnectorResponse<unknown>>;
  /** `GET /2/dm_events` (user context only). */
  getDirectMessages(params: XDirectMessagesParams): Promise<ConnectorResponse<unknown>>;
}

/** Options of an {@link XClient}. */
export interface XClientOptions {
  credentials: CredentialProvider;
  /** Scheme and host; paths carry `/2/...`. @defaultValue 'https://api.x.com' */
  baseUrl?: string;
  /** Per-request timeout. @defaultValue 10_000 */
  timeoutMs?: number;
  /**
   * Name of the post-fields parameter: `tweet.fields` (every recorded response) or `post.fields`
   * (the July 2026 OpenAPI); ❓ which the live API accepts, and X rejects unknown params with 400.
   * @defaultValue 'tweet.fields'
   */
  postFieldsParam?: 'tweet.fields' | 'post.fields';
  /** Source of now, for turning reset times into waits. @defaultValue systemClock */
  clock?: Clock;
  /** Classifier options (usage-cap wait). @defaultValue {} */
  classify?: XClassifyOptions;
  /** A fetch to use instead of the default keep-alive `node:http` transport (tests). */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | null | undefined>;

/** Thin HTTP client of X API v2; {@link XClient.forClient} binds it to one client's credentials. */
export class XClient {
  readonly #options: Required<Omit<XClientOptions, 'classify' | 'fetch'>> & {
    classify: XClassifyOptions;
  };
  readonly #transport: HttpTransport;

  constructor(options: XClientOptions) {
    this.#options = {
      credentials: options.credentials,
      baseUrl: (options.baseUrl ?? 'https://api.x.com').replace(/\/+$/, ''),
      timeoutMs: options.timeoutMs ?? 10_000,
      postFieldsParam: options.postFieldsParam ?? 'tweet.fields',
      clock: options.clock ?? systemClock,
      classify: options.classify ?? {},
    };
    this.#transport = transportOf(options.fetch);
  }

  /** The connector for one client: every call uses that client's X token. */
  forClient(clientId: string): XConnector {
    const postFields = {
      [this.#options.postFieldsParam]: X_POST_FIELDS.join(','),
      expansions: 'author_id',
      'user.fields': X_USER_FIELDS.join(','),
    };
    return {
      getMentions: (userId, params) =>
        this.#get(clientId, `/2/users/${encodeURIComponent(userId)}/mentions`, {
          ...postFields,
          max_results: params.max_results,
          since_id: params.since_id,
          pagination_token: params.pagination_token,
        }),
      getTweetReplies: (tweetId, params) =>
        this.#get(clientId, '/2/tweets/search/recent', {
          query: `conversation_id:${tweetId}`,
          ...postFields,
          max_results: params.max_results,
          since_id: params.since_id,
          start_time: params.since_id == null ? params.start_time : undefined,
          next_token: params.next_token,
        }),
      getDirectMessages: (params) =>
        this.#get(clientId, '/2/dm_events', {
          'dm_event.fields': X_DM_EVENT_FIELDS.join(','),
          event_types: 'MessageCreate,ParticipantsJoin,ParticipantsLeave',
          expansions: 'sender_id',
          'user.fields': X_USER_FIELDS.join(','),
          max_results: params.max_results,
          pagination_token: params.pagination_token,
        }),
    };
  }

  async #get(clientId: string, path: string, query: Query): Promise<ConnectorResponse<unknown>> {
    const url = new URL(this.#options.baseUrl + path);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const { accessToken } = await this.#options.credentials.getCredentials(clientId, 'x');
    const secrets = [accessToken];
    let response: HttpAnswer;
    try {
      response = await this.#transport(url, {
        method: 'GET',
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        timeoutMs: this.#options.timeoutMs,
      });
    } catch (err) {
      throw classifyXFailure(err, secrets);
    }
    const headers = response.headers;
    const nowMs = this.#options.clock.now();
    const body = parseJson(response.text);
    const error: PlatformError | null = classifyXResponse(
      { status: response.status, headers, body, nowMs, secrets },
      this.#options.classify,
    );
    if (error !== null) throw error;
    return { status: response.status, body, rateLimit: readXRateLimit(headers, nowMs) };
  }
}

/** The body as JSON, or undefined when it is not JSON (the poller then reports invalid_response). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    void err; // not JSON: left to the caller to classify
    return undefined;
  }
}
