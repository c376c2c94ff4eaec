/**
 * X API v2: `GET /2/users/:id/mentions`, `GET /2/tweets/search/recent` (`conversation_id:`),
 * `GET /2/dm_events`, `GET /2/tweets` and `GET /2/tweets/:id`. Newest first, `since_id` /
 * `until_id` / `pagination_token` (`next_token` on search), no `data` key on an empty page,
 * `x-rate-limit-*` headers on every answer, per-app limits for app-only tokens and per-user limits
 * for user tokens.
 */
import { compareIds, xIdTimeMs } from './ids.js';
import {
  afterServe,
  cachedJson,
  jsonObject,
  answer,
  bearerOf,
  malformed,
  type SimAnswer,
  type SimContext,
  type SimRequest,
} from './context.js';
import type { LimitPair } from './options.js';
import type { SimItem, TokenRecord } from './world.js';

const PROBLEMS = 'https://api.twitter.com/2/problems';
const COMMON_FIELDS = ['expansions', 'user.fields', 'media.fields', 'poll.fields', 'place.fields'];
const TWEET_FIELDS = [
  'attachments',
  'author_id',
  'context_annotations',
  'conversation_id',
  'created_at',
  'edit_controls',
  'edit_history_tweet_ids',
  'entities',
  'geo',
  'id',
  'in_reply_to_user_id',
  'lang',
  'public_metrics',
  'possibly_sensitive',
  'referenced_tweets',
  'reply_settings',
  'source',
  'text',
  'withheld',
  'note_tweet',
];
const USER_FIELDS = [
  'created_at',
  'description',
  'id',
  'name',
  'profile_image_url',
  'protected',
  'username',
  'verified',
];
const DM_FIELDS = [
  'attachments',
  'created_at',
  'dm_conversation_id',
  'event_type',
  'id',
  'participant_ids',
  'referenced_tweets',
  'sender_id',
  'text',
];
const SEVEN_DAYS_MS = 7 * 86_400_000;
const DM_RETENTION_MS = 30 * 86_400_000;

type Endpoint = 'mentions' | 'search' | 'dm_events' | 'lookup';

/** Answer an X request, or `null` when the path is not an X endpoint. */
export function handleX(req: SimRequest, ctx: SimContext): SimAnswer | null {
  const { path } = req;
  let endpoint: Endpoint;
  let pathId: string | undefined;
  const mentions = /^\/2\/users\/([^/]+)\/mentions$/.exec(path);
  const lookupOne = /^\/2\/tweets\/([0-9]+)$/.exec(path);
  if (mentions) [endpoint, pathId] = ['mentions', decodeURIComponent(mentions[1]!)];
  else if (path === '/2/tweets/search/recent') endpoint = 'search';
  else if (path === '/2/dm_events') endpoint = 'dm_events';
  else if (path === '/2/tweets') endpoint = 'lookup';
  else if (lookupOne) [endpoint, pathId] = ['lookup', lookupOne[1]!];
  else return null;
  if (req.method !== 'GET') return problem(endpoint, 405, 'Method Not Allowed');

  const auth = authenticate(req, ctx);
  if (auth === null) {
    return answer(
      'x',
      endpoint,
      401,
      { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' },
      { outcome: 'auth' },
    );
  }
  const clientId = auth.clientId;
  const limits = ctx.config.rateLimits;
  const pair: LimitPair =
    endpoint === 'mentions'
      ? limits.x.mentions
      : endpoint === 'search'
        ? limits.x.search
        : endpoint === 'dm_events'
          ? limits.x.dmEvents
          : limits.x.lookup;
  const isApp = clientId === null;
  const limit = isApp ? pair.app : pair.user;
  if (endpoint === 'dm_events' && isApp) {
    return answer(
      'x',
      endpoint,
      403,
      {
        title: 'Unsupported Authentication',
        detail:
          'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].',
        type: `${PROBLEMS}/unsupported-authentication`,
        status: 403,
      },
      { outcome: 'auth' },
    );
  }
  let rateHeaders: Record<string, string> = {};
  if (limit !== null) {
    const bucketKey = `x:${endpoint}:${isApp ? 'app' : `user:${clientId}`}`;
    const taken = ctx.limits.take(
      [{ key: bucketKey, limit, rule: { kind: 'rolling', windowMs: limits.xWindowMs } }],
      req.nowMs,
    );
    const s = taken.states[0]!;
    rateHeaders = {
      'x-rate-limit-limit': String(s.limit),
      'x-rate-limit-remaining': String(s.remaining),
      'x-rate-limit-reset': String(Math.ceil(s.resetAtMs / 1000)),
    };
    if (!taken.allowed) {
      const body =
        limits.x429Body === 'documented'
          ? { errors: [{ code: 88, message: 'Rate limit exceeded' }] }
          : {
              title: 'Too Many Requests',
              detail: 'Too Many Requests',
              type: 'about:blank',
              status: 429,
            };
      return answer('x', endpoint, 429, body, {
        headers: rateHeaders,
        clientId,
        outcome: 'rate_limited',
        overLimit: bucketKey,
      });
    }
  }
  const fault = ctx.faults.drawAnswerFault('x');
  if (fault === '5xx') {
    return answer(
      'x',
      endpoint,
      503,
      {
        title: 'Service Unavailable',
        detail: 'Service Unavailable',
        type: 'about:blank',
        status: 503,
      },
      { headers: rateHeaders, clientId, outcome: 'fault_5xx' },
    );
  }
  if (fault === 'hang')
    return answer('x', endpoint, 0, null, { hang: true, clientId, outcome: 'fault_hang' });

  let result: SimAnswer;
  switch (endpoint) {
    case 'mentions':
      result = listTimeline(req, ctx, 'mentions', pathId ?? '');
      break;
    case 'search':
      result = listTimeline(req, ctx, 'search', '');
      break;
    case 'dm_events':
      result = listTimeline(req, ctx, 'dm_events', '', auth);
      break;
    case 'lookup':
      result = lookup(req, ctx, pathId);
      break;
  }
  result.headers = {
    ...rateHeaders,
    'api-version': '2.52',
    'x-access-level': isApp ? 'read' : 'read-write-directmessages',
    ...result.headers,
  };
  result.clientId = clientId;
  return fault === 'malformed' && result.status === 200 ? malformed(result) : result;
}

function authenticate(req: SimRequest, ctx: SimContext): TokenRecord | null {
  const token = bearerOf(req);
  const rec = token === undefined ? undefined : ctx.world.token(token);
  if (!rec || rec.platform !== 'x' || rec.status !== 'active') return null;
  if (rec.expiresAtMs !== null && req.nowMs >= rec.expiresAtMs) return null;
  return rec;
}

function problem(endpoint: string, status: number, title: string): SimAnswer {
  return answer('x', endpoint, status, { title, detail: title, type: 'about:blank', status });
}

function invalidRequest(
  endpoint: string,
  parameter: string,
  value: string,
  message: string,
): SimAnswer {
  return answer('x', endpoint, 400, {
    errors: [{ parameters: { [parameter]: [value] }, message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: `${PROBLEMS}/invalid-request`,
  });
}

/** Encode a page continuation: the walk continues strictly below `id`. */
function encodeToken(id: bigint): string {
  return `7${id.toString(36).padStart(15, '0')}`;
}

function decodeToken(token: string): string | null {
  if (!/^7[0-9a-z]{15}$/.test(token)) return null;
  let n = 0n;
  for (const ch of token.slice(1)) n = n * 36n + BigInt(parseInt(ch, 36));
  return n.toString();
}

const ID_RE = /^[0-9]{1,19}$/;

function listTimeline(
  req: SimRequest,
  ctx: SimContext,
  endpoint: 'mentions' | 'search' | 'dm_events',
  userId: string,
  auth?: TokenRecord,
): SimAnswer {
  const q = req.query;
  const fieldsParam = ctx.config.xFieldNaming === 'post' ? 'post.fields' : 'tweet.fields';
  const allowed =
    endpoint === 'mentions'
      ? [
          'max_results',
          'pagination_token',
          'since_id',
          'until_id',
          'start_time',
          'end_time',
          fieldsParam,
          ...COMMON_FIELDS,
        ]
      : endpoint === 'search'
        ? [
            'query',
            'max_results',
            'next_token',
            'pagination_token',
            'since_id',
            'until_id',
            'start_time',
            'end_time',
            'sort_order',
            fieldsParam,
            ...COMMON_FIELDS,
          ]
        : [
            'max_results',
            'pagination_token',
            'event_types',
            'dm_event.fields',
            fieldsParam,
            ...COMMON_FIELDS,
          ];
  for (const key of q.keys()) {
    if (!allowed.includes(key)) {
      return invalidRequest(
        endpoint,
        key,
        q.get(key) ?? '',
        `The query parameter [${key}] is not one of [${(endpoint === 'mentions' ? ['id', ...allowed] : allowed).join(',')}]`,
      );
    }
  }
  const [minMax, maxMax, defMax] =
    endpoint === 'mentions' ? [5, 100, 10] : endpoint === 'search' ? [10, 100, 10] : [1, 100, 100];
  const maxRaw = q.get('max_results');
  const max = maxRaw === null ? defMax : Number(maxRaw);
  if (!Number.isInteger(max) || max < minMax || max > maxMax) {
    return invalidRequest(
      endpoint,
      'max_results',
      maxRaw ?? '',
      `The \`max_results\` query parameter value [${maxRaw}] is not between ${minMax} and ${maxMax}`,
    );
  }
  const ids: { since_id: string | null; until_id: string | null } = {
    since_id: null,
    until_id: null,
  };
  for (const name of ['since_id', 'until_id'] as const) {
    const v = q.get(name);
    if (v !== null && !ID_RE.test(v)) {
      return invalidRequest(
        endpoint,
        name,
        v,
        `The \`${name}\` query parameter value [${v}] does not match ^[0-9]{1,19}$`,
      );
    }
    ids[name] = v === null ? null : BigInt(v).toString();
  }
  const startTime = q.get('start_time');
  const endTime = q.get('end_time');
  if (
    (ids.since_id !== null || ids.until_id !== null) &&
    (startTime !== null || endTime !== null)
  ) {
    return invalidRequest(
      endpoint,
      'since_id',
      ids.since_id ?? ids.until_id ?? '',
      "Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or 'end_time'.",
    );
  }
  const startMs = startTime === null ? null : Date.parse(startTime);
  const endMs = endTime === null ? null : Date.parse(endTime);
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) {
    return invalidRequest(
      endpoint,
      startTime !== null ? 'start_time' : 'end_time',
      startTime ?? endTime ?? '',
      'Invalid RFC 3339 timestamp',
    );
  }
  if (q.has('next_token') && q.has('pagination_token')) {
    return invalidRequest(
      endpoint,
      'next_token',
      q.get('next_token') ?? '',
      'Only one of next_token and pagination_token may be given',
    );
  }
  const tokenParam = q.has('next_token') ? 'next_token' : 'pagination_token';
  const tokenRaw = q.get(tokenParam);
  const below = tokenRaw === null ? null : decodeToken(tokenRaw);
  if (tokenRaw !== null && below === null) {
    return invalidRequest(
      endpoint,
      tokenParam,
      tokenRaw,
      `The \`${tokenParam}\` query parameter value [${tokenRaw}] is not valid`,
    );
  }
  const fieldError =
    checkFields(endpoint, fieldsParam, q.get(fieldsParam), TWEET_FIELDS) ??
    checkFields(endpoint, 'user.fields', q.get('user.fields'), USER_FIELDS) ??
    checkFields(endpoint, 'dm_event.fields', q.get('dm_event.fields'), DM_FIELDS);
  if (fieldError) return fieldError;

  const world = ctx.world;
  let items: readonly SimItem[] = [];
  let horizon = Infinity;
  let oldestMs = -Infinity;
  if (endpoint === 'mentions') {
    if (!ID_RE.test(userId))
      return invalidRequest(
        endpoint,
        'id',
        userId,
        `The \`id\` query parameter value [${userId}] does not match ^[0-9]{1,19}$`,
      );
    const client = world.clientByXUser(userId);
    if (!client && !world.xUser(userId)) {
      return answer('x', endpoint, 200, {
        errors: [
          {
            value: userId,
            detail: `Could not find user with id: [${userId}].`,
            title: 'Not Found Error',
            resource_type: 'user',
            parameter: 'id',
            resource_id: userId,
            type: `${PROBLEMS}/resource-not-found`,
          },
        ],
      });
    }
    if (client) items = world.itemsOf(client.clientId, 'mentions', userId);
    horizon = ctx.config.xMentionsHorizon;
  } else if (endpoint === 'search') {
    const query = q.get('query');
    if (query === null || query.length === 0)
      return invalidRequest(endpoint, 'query', '', 'The `query` query parameter can not be empty');
    if (query.length > 512)
      return invalidRequest(
        endpoint,
        'query',
        query,
        'The `query` query parameter value is too long (max 512)',
      );
    oldestMs = req.nowMs - SEVEN_DAYS_MS;
    if (ids.since_id !== null && xIdTimeMs(ids.since_id) < oldestMs) {
      return invalidRequest(
        endpoint,
        'since_id',
        ids.since_id,
        `Invalid 'since_id':'${ids.since_id}'. 'since_id' must be a tweet id created after ${new Date(oldestMs).toISOString()}.`,
      );
    }
    const m = /(?:^|\s)(?:conversation_id|in_reply_to_tweet_id):([0-9]{1,19})(?:\s|$)/.exec(query);
    if (m) {
      const post = world.post('x', BigInt(m[1]!).toString());
      if (post) items = world.itemsOf(post.clientId, 'replies', post.id);
    }
  } else {
    const eventTypes = q.get('event_types');
    if (eventTypes === null || eventTypes.split(',').includes('MessageCreate')) {
      items = world.itemsOf(auth?.clientId ?? '', 'dms', null);
    }
    oldestMs = req.nowMs - DM_RETENTION_MS;
  }

  // Walk newest first: ids ascend with the array index.
  const page: SimItem[] = [];
  let more = false;
  let rank = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.visibleAtMs > req.nowMs) continue;
    if (++rank > horizon) break;
    if (item.createdAtMs < oldestMs) break;
    if (ids.since_id !== null && compareIds(item.itemId, ids.since_id) <= 0) break;
    if (ids.until_id !== null && compareIds(item.itemId, ids.until_id) >= 0) continue;
    if (below !== null && compareIds(item.itemId, below) >= 0) continue;
    if (startMs !== null && item.createdAtMs < startMs) break;
    if (endMs !== null && item.createdAtMs >= endMs) continue;
    if (page.length === max) {
      more = true;
      break;
    }
    page.push(item);
  }

  if (page.length === 0) return answer('x', endpoint, 200, { meta: { result_count: 0 } });
  const duplicate = more && ctx.faults.drawDuplicate('x');
  const last = page[page.length - 1]!;
  const nextToken = more ? encodeToken(BigInt(last.itemId) + (duplicate ? 1n : 0n)) : undefined;
  const renderKey = `${endpoint}|${q.get(fieldsParam)}|${q.get('dm_event.fields')}|${ctx.config.xFieldNaming}`;
  const members: [string, string][] = [
    [
      'data',
      `[${page
        .map((item) =>
          cachedJson(item, renderKey, () =>
            endpoint === 'dm_events' ? renderDm(item, q) : renderTweet(item, q, ctx),
          ),
        )
        .join(',')}]`,
    ],
  ];
  const expansions = (q.get('expansions') ?? '').split(',');
  const wantUsers =
    endpoint === 'dm_events' ? expansions.includes('sender_id') : expansions.includes('author_id');
  if (wantUsers) {
    members.push(['includes', uniqueAuthors(page, q, ctx)]);
  }
  const meta =
    endpoint === 'dm_events'
      ? { result_count: page.length, ...(nextToken ? { next_token: nextToken } : {}) }
      : {
          newest_id: page[0]!.itemId,
          oldest_id: last.itemId,
          result_count: page.length,
          ...(nextToken ? { next_token: nextToken } : {}),
        };
  members.push(['meta', JSON.stringify(meta)]);
  const body = jsonObject(members);
  afterServe(page, req.nowMs, ctx);
  return answer('x', endpoint, 200, body, { raw: true });
}

function checkFields(
  endpoint: string,
  param: string,
  value: string | null,
  known: string[],
): SimAnswer | null {
  if (value === null) return null;
  for (const f of value.split(',')) {
    if (!known.includes(f)) {
      return invalidRequest(
        endpoint,
        param,
        f,
        `The \`${param}\` query parameter value [${f}] is not one of [${known.join(',')}]`,
      );
    }
  }
  return null;
}

function renderTweet(item: SimItem, q: URLSearchParams, ctx: SimContext): Record<string, unknown> {
  const post = ctx.config.xFieldNaming === 'post';
  const out: Record<string, unknown> = {
    [post ? 'edit_history_post_ids' : 'edit_history_tweet_ids']: [item.itemId],
    id: item.itemId,
    text: item.text,
  };
  const fields = q.get(post ? 'post.fields' : 'tweet.fields');
  if (fields === null) return out;
  const isReply = item.kind === 'x_reply';
  const owner = ctx.world.client(item.clientId);
  for (const f of fields.split(',')) {
    switch (f) {
      case 'created_at':
        out.created_at = new Date(item.createdAtMs).toISOString();
        break;
      case 'author_id':
        out.author_id = item.authorId;
        break;
      case 'conversation_id':
        out.conversation_id = item.postId ?? item.itemId;
        break;
      case 'in_reply_to_user_id':
        if (isReply && owner) out.in_reply_to_user_id = owner.x.userId;
        break;
      case 'referenced_tweets':
        if (isReply && item.postId !== null)
          out[post ? 'referenced_posts' : 'referenced_tweets'] = [
            { type: 'replied_to', id: item.postId },
          ];
        break;
      case 'public_metrics':
        out.public_metrics = {
          retweet_count: 0,
          reply_count: item.replies,
          like_count: item.likes,
          quote_count: 0,
        };
        break;
      case 'lang':
        out.lang = 'en';
        break;
      default:
        break;
    }
  }
  return out;
}

function renderDm(item: SimItem, q: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {
    event_type: 'MessageCreate',
    id: item.itemId,
    text: item.text,
  };
  const fields = q.get('dm_event.fields');
  if (fields === null) return out;
  for (const f of fields.split(',')) {
    if (f === 'created_at') out.created_at = new Date(item.createdAtMs).toISOString();
    else if (f === 'sender_id') out.sender_id = item.authorId;
    else if (f === 'dm_conversation_id') out.dm_conversation_id = item.threadId;
  }
  return out;
}

const userJsonCache = new Map<string, string>();

/** `includes.users` as JSON text; each user's JSON is rendered once per `user.fields` value. */
function uniqueAuthors(items: readonly SimItem[], q: URLSearchParams, ctx: SimContext): string {
  const seen = new Set<string>();
  const fieldsRaw = q.get('user.fields') ?? '';
  const fields = fieldsRaw.split(',');
  const out: string[] = [];
  for (const item of items) {
    if (seen.has(item.authorId)) continue;
    seen.add(item.authorId);
    const key = `${item.authorId}|${fieldsRaw}`;
    let json = userJsonCache.get(key);
    if (json === undefined) {
      const user = ctx.world.xUser(item.authorId);
      const u: Record<string, unknown> = {
        id: item.authorId,
        name: user?.name ?? item.authorName,
        username: user?.username ?? item.authorName,
      };
      if (fields.includes('verified')) u.verified = false;
      if (fields.includes('created_at'))
        u.created_at = new Date(xIdTimeMs(item.authorId)).toISOString();
      if (fields.includes('protected')) u.protected = false;
      json = JSON.stringify(u);
      if (userJsonCache.size < 100_000) userJsonCache.set(key, json);
    }
    out.push(json);
  }
  return `{"users":[${out.join(',')}]}`;
}

function lookup(req: SimRequest, ctx: SimContext, pathId: string | undefined): SimAnswer {
  const idsParam = pathId ?? req.query.get('ids');
  if (idsParam === null || idsParam === '')
    return invalidRequest('lookup', 'ids', '', 'The `ids` query parameter can not be empty');
  const ids = idsParam.split(',');
  const data: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const id of ids) {
    if (!ID_RE.test(id))
      return invalidRequest(
        'lookup',
        'ids',
        id,
        `The \`ids\` query parameter value [${id}] does not match ^[0-9]{1,19}$`,
      );
    const found = ctx.world.xPostOrItem(id);
    const visible =
      found !== undefined && ('kind' in found ? found.visibleAtMs <= req.nowMs : !found.deleted);
    if (found && visible) {
      data.push(
        'kind' in found
          ? renderTweet(found, req.query, ctx)
          : { edit_history_tweet_ids: [found.id], id: found.id, text: `Post ${found.id}` },
      );
    } else {
      errors.push({
        value: id,
        detail: `Could not find tweet with id: [${id}].`,
        title: 'Not Found Error',
        resource_type: 'tweet',
        parameter: pathId === undefined ? 'ids' : 'id',
        resource_id: id,
        type: 'https://api.x.com/2/problems/resource-not-found',
      });
    }
  }
  const body: Record<string, unknown> = {};
  if (data.length > 0) body.data = pathId === undefined ? data : data[0];
  if (errors.length > 0) body.errors = errors;
  return answer('x', 'lookup', 200, body);
}
