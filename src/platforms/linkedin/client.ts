/**
 * HTTP client of the LinkedIn `/rest` endpoints this product reads. HTTP only: one request per
 * call, the token fetched from the {@link CredentialProvider} for every request, a timeout, no
 * retries. Every call sends `LinkedIn-Version` (configurable: versions are sunset after a year,
 * then LinkedIn answers 426) and `X-Restli-Protocol-Version: 2.0.0`; URNs are URL-encoded in paths
 * and parameters while Rest.li structure (`List(…)`, `(start:…,end:…)`) stays unescaped. LinkedIn
 * sends no rate-limit headers, so `rateLimit` is always null.
 */
import { systemClock, type Clock } from '../../domain/clock.js';
import {
  type ConnectorResponse,
  type CredentialProvider,
  transportOf,
  type HttpAnswer,
  type HttpTransport,
} from '../connector.js';
import { classifyLinkedInFailure, classifyLinkedInResponse } from './classify.js';

/** Query of {@link LinkedInConnector.getPostComments}. */
export interface LinkedInCommentsParams {
  start: number;
  count: number;
}

/** Query of {@link LinkedInConnector.getConversations}. */
export interface LinkedInConversationsParams {
  /** Only conversations with activity after this time (epoch ms); null: all. */
  createdAfter: number | null;
  start?: number;
  count?: number;
}

/** Query of {@link LinkedInConnector.getOrganizationNotifications}. */
export interface LinkedInNotificationsParams {
  /** The time range, epoch ms. */
  startMs: number;
  endMs: number;
  /** Actions asked for. @defaultValue ['SHARE_MENTION'] */
  actions?: readonly string[];
  start?: number;
  count?: number;
}

/** The LinkedIn calls of one client. Bodies are parsed, not yet validated. */
export interface LinkedInConnector {
  /** `GET /rest/socialActions/{encoded post URN}/comments?start=&count=`. */
  getPostComments(
    postUrn: string,
    params: LinkedInCommentsParams,
  ): Promise<ConnectorResponse<unknown>>;
  /**
   * The inbox, in the contract the spec gives: `GET {conversationsPath}?q=criteria&createdAfter=`.
   * LinkedIn's real Messages API is restricted to approved partners ("Usage of this API is
   * restricted to approved partners"); this call serves a partner integration or the simulator.
   */
  getConversations(params: LinkedInConversationsParams): Promise<ConnectorResponse<unknown>>;
  /**
   * `GET /rest/organizationalEntityNotifications?q=criteria&organizationalEntity=&actions=List(…)
   * &timeRange=(start:…,end:…)`: an organization's mentions (notifications are kept 60 days).
   */
  getOrganizationNotifications(
    organizationUrn: string,
    params: LinkedInNotificationsParams,
  ): Promise<ConnectorResponse<unknown>>;
}

/** Options of a {@link LinkedInClient}. */
export interface LinkedInClientOptions {
  credentials: CredentialProvider;
  /** Scheme and host; paths carry `/rest/...`. @defaultValue 'https://api.linkedin.com' */
  baseUrl?: string;
  /** The `LinkedIn-Version` header (YYYYMM); bump it before LinkedIn sunsets it. @defaultValue '202607' */
  linkedInVersion?: string;
  /** Path of the partner-only conversations endpoint. @defaultValue '/rest/conversations' */
  conversationsPath?: string;
  /** Per-request timeout. @defaultValue 10_000 */
  timeoutMs?: number;
  /** Source of now (daily quota reset). @defaultValue systemClock */
  clock?: Clock;
  /** A fetch to use instead of the default keep-alive `node:http` transport (tests). */
  fetch?: typeof fetch;
}

type QueryPart = [name: string, rawValue: string];

/** Thin HTTP client of LinkedIn; {@link LinkedInClient.forClient} binds it to one client's token. */
export class LinkedInClient {
  readonly #credentials: CredentialProvider;
  readonly #baseUrl: string;
  readonly #version: string;
  readonly #conversationsPath: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #transport: HttpTransport;

  constructor(options: LinkedInClientOptions) {
    this.#credentials = options.credentials;
    this.#baseUrl = (options.baseUrl ?? 'https://api.linkedin.com').replace(/\/+$/, '');
    this.#version = options.linkedInVersion ?? '202607';
    this.#conversationsPath = options.conversationsPath ?? '/rest/conversations';
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
    this.#transport = transportOf(options.fetch);
  }

  /** The connector for one client: every call uses that client's LinkedIn token. */
  forClient(clientId: string): LinkedInConnector {
    return {
      getPostComments: (postUrn, params) =>
        this.#get(clientId, `/rest/socialActions/${encodeURIComponent(postUrn)}/comments`, [
          ['start', String(params.start)],
          ['count', String(params.count)],
        ]),
      getConversations: (params) =>
        this.#get(clientId, this.#conversationsPath, [
          ['q', 'criteria'],
          ...(params.createdAfter === null
            ? []
            : [['createdAfter', String(params.createdAfter)] as QueryPart]),
          ...(params.start === undefined ? [] : [['start', String(params.start)] as QueryPart]),
          ...(params.count === undefined ? [] : [['count', String(params.count)] as QueryPart]),
        ]),
      getOrganizationNotifications: (organizationUrn, params) =>
        this.#get(clientId, '/rest/organizationalEntityNotifications', [
          ['q', 'criteria'],
          ['organizationalEntity', encodeURIComponent(organizationUrn)],
          [
            'actions',
            `List(${(params.actions ?? ['SHARE_MENTION']).map(encodeURIComponent).join(',')})`,
          ],
          ['timeRange', `(start:${params.startMs},end:${params.endMs})`],
          ...(params.start === undefined ? [] : [['start', String(params.start)] as QueryPart]),
          ...(params.count === undefined ? [] : [['count', String(params.count)] as QueryPart]),
        ]),
    };
  }

  /** `query` values are already encoded where Rest.li wants encoding (URNs) and raw elsewhere. */
  async #get(
    clientId: string,
    path: string,
    query: QueryPart[],
  ): Promise<ConnectorResponse<unknown>> {
    const search = query.map(([name, value]) => `${name}=${value}`).join('&');
    const url = `${this.#baseUrl}${path}${search === '' ? '' : `?${search}`}`;
    const { accessToken } = await this.#credentials.getCredentials(clientId, 'linkedin');
    const secrets = [accessToken];
    let response: HttpAnswer;
    try {
      response = await this.#transport(url, {
        method: 'GET',
        headers: {
          authorization: `Bearer ${accessToken}`,
          'linkedin-version': this.#version,
          'x-restli-protocol-version': '2.0.0',
          accept: 'application/json',
        },
        timeoutMs: this.#timeoutMs,
      });
    } catch (err) {
      throw classifyLinkedInFailure(err, secrets);
    }
    const body = parseJson(response.text);
    const error = classifyLinkedInResponse({
      status: response.status,
      headers: response.headers,
      body,
      nowMs: this.#clock.now(),
      secrets,
    });
    if (error !== null) throw error;
    return { status: response.status, body, rateLimit: null };
  }
}

/** The body as JSON, or undefined when it is not JSON (the poller then reports invalid_response). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    void err; // not JSON: classified by status, or reported as invalid_response by the poller
    return undefined;
  }
}
