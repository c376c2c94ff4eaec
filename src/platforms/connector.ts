/**
 * The contract every platform meets. The pipeline only ever talks to a {@link PlatformAdapter}; each
 * platform folder (`x/`, `linkedin/`, `tiktok/`) provides one, built from its HTTP client
 * (`client.ts`), its zod schemas, its normalizer, its error classifier and its poller.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { PlatformError, redactSecrets } from '../domain/errors.js';
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

/** One request as the platform clients make it. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  headers: Readonly<Record<string, string>>;
  body?: string;
  /** The whole exchange (connect, answer and body) must end within this. */
  timeoutMs: number;
}

/** One answer: status, headers (lower-case names) and the whole body as text. */
export interface HttpAnswer {
  status: number;
  headers: HeaderMap;
  text: string;
}

/**
 * How the platform clients talk HTTP. Rejects on a network failure or the timeout (an error named
 * `TimeoutError`, as `AbortSignal.timeout` gives); any status resolves.
 */
export type HttpTransport = (url: string | URL, request: HttpRequest) => Promise<HttpAnswer>;

/** A transport over a fetch function (tests hand in a recording or fake fetch). */
export function fetchTransport(fetchFn: typeof fetch): HttpTransport {
  return async (url, req) => {
    const response = await fetchFn(url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, headers: headerMapOf(response.headers), text };
  };
}

const keepAlive = { keepAlive: true, scheduling: 'lifo' } as const;
let sharedAgents: { http: HttpAgent; https: HttpsAgent } | undefined;

const decoders: Readonly<
  Record<string, (b: Buffer, cb: (e: Error | null, r: Buffer) => void) => void>
> = { gzip: gunzip, 'x-gzip': gunzip, deflate: inflate, br: brotliDecompress };

/**
 * The default transport: `node:http`/`node:https` with keep-alive agents shared by every client of
 * the process (idle sockets do not hold the process open). Cheaper per request than Node's fetch,
 * which builds WHATWG Request/Response objects, streams and abort signals for each call. Like fetch
 * it asks for and undoes gzip/deflate/br; unlike fetch it does not follow redirects (the platform
 * APIs read here do not redirect; a 3xx reaches the classifiers as an unexpected status).
 */
export function nodeHttpTransport(): HttpTransport {
  const agents = (sharedAgents ??= {
    http: new HttpAgent(keepAlive),
    https: new HttpsAgent(keepAlive),
  });
  return (url, req) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const target = typeof url === 'string' ? new URL(url) : url;
      const secure = target.protocol === 'https:';
      const headers: Record<string, string> = {
        'accept-encoding': 'gzip, deflate, br',
        ...req.headers,
      };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      const options = { method: req.method, headers, agent: secure ? agents.https : agents.http };
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const onAnswer = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new Error('connection closed before the answer ended'));
        });
        res.on('end', () => {
          const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          const answerHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined)
              answerHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          const finish = (body: Buffer): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            let text = body.toString('utf8');
            if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // as fetch's text() does
            resolve({ status: res.statusCode ?? 0, headers: answerHeaders, text });
          };
          const decode = decoders[(answerHeaders['content-encoding'] ?? '').trim().toLowerCase()];
          if (decode === undefined || raw.length === 0) finish(raw);
          else decode(raw, (err, out) => (err ? fail(err) : finish(out)));
        });
      };
      const sent = secure
        ? httpsRequest(target, options, onAnswer)
        : httpRequest(target, options, onAnswer);
      const timer = setTimeout(() => {
        const err = new Error(`request timed out after ${req.timeoutMs} ms`);
        err.name = 'TimeoutError';
        fail(err);
        sent.destroy(err);
      }, req.timeoutMs);
      sent.on('error', fail);
      sent.end(req.body);
    });
}

/** The transport of a client: over `fetchFn` when one is given, else {@link nodeHttpTransport}. */
export function transportOf(fetchFn: typeof fetch | undefined): HttpTransport {
  return fetchFn === undefined ? nodeHttpTransport() : fetchTransport(fetchFn);
}

/**
 * A request that got no usable response: a timeout (`TimeoutError`/`AbortError`) or a network error
 * (refused, reset). Always `transient`; the message names the platform, the kind and the cause,
 * with `secrets` redacted. Shared by every platform's classifier.
 */
export function classifyTransportFailure(
  platformLabel: string,
  err: unknown,
  secrets: readonly string[] = [],
): PlatformError {
  const name = err instanceof Error ? err.name : '';
  const isTimeout = name === 'TimeoutError' || name === 'AbortError';
  const detail =
    err instanceof Error
      ? err.cause instanceof Error
        ? `${err.message}: ${err.cause.message}`
        : err.message
      : String(err);
  const what = isTimeout ? 'request timed out' : 'network error';
  return new PlatformError(
    'transient',
    redactSecrets(`${platformLabel} ${what}: ${detail}`, secrets),
    {
      platformCode: isTimeout ? 'timeout' : 'network',
      cause: err,
    },
  );
}
