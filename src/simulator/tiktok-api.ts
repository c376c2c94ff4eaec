/**
 * TikTok Business (Accounts) API: `GET /open_api/v1.3/business/comment/list/`. `Access-Token`
 * header (no `Bearer`), errors as HTTP 200 with a non-zero `code` (40105 bad token, 40100 rate
 * limited, 40002 bad parameter or unknown video), cursor + `has_more`, `max_count` ≤ 30, a fixed
 * random order unless `sort_field` is given. Per-account and per-app requests per minute, with a
 * cool-down after a breach.
 */
import {
  afterServe,
  cachedJson,
  jsonObject,
  answer,
  headerOf,
  malformed,
  type SimAnswer,
  type SimContext,
  type SimRequest,
} from './context.js';
import type { SimItem } from './world.js';

const LIST_PATH = '/open_api/v1.3/business/comment/list/';
let requestCounter = 0;

/** A request id in TikTok's style: a UTC timestamp followed by hex digits. */
function requestId(nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  requestCounter = (requestCounter + 1) % 0xffffffff;
  return `${stamp}${requestCounter.toString(16).toUpperCase().padStart(34, '0')}`;
}

/** Answer a TikTok request, or `null` when the path is not a TikTok endpoint. */
export function handleTikTok(req: SimRequest, ctx: SimContext): SimAnswer | null {
  if (req.path !== LIST_PATH && req.path !== LIST_PATH.slice(0, -1)) return null;
  const endpoint = 'comment_list';
  const rid = requestId(req.nowMs);
  const fail = (code: number, message: string, extra: Partial<SimAnswer> = {}): SimAnswer =>
    answer(
      'tiktok',
      endpoint,
      200,
      { code, message, request_id: rid, data: {} },
      { outcome: 'bad_request', ...extra },
    );

  const token = headerOf(req, 'access-token');
  const rec = token === undefined ? undefined : ctx.world.token(token);
  if (
    !rec ||
    rec.platform !== 'tiktok' ||
    rec.status !== 'active' ||
    rec.clientId === null ||
    (rec.expiresAtMs !== null && req.nowMs >= rec.expiresAtMs)
  ) {
    return answer(
      'tiktok',
      endpoint,
      200,
      { code: 40105, message: 'Access token is incorrect or has been revoked.' },
      { outcome: 'auth' },
    );
  }
  const clientId = rec.clientId;
  const limits = ctx.config.rateLimits;
  const rule = {
    kind: 'rolling' as const,
    windowMs: limits.tiktokWindowMs,
    cooldownMs: limits.tiktokCooldownMs,
  };
  const buckets = [];
  if (limits.tiktok.user !== null)
    buckets.push({
      key: `tiktok:${endpoint}:account:${clientId}`,
      limit: limits.tiktok.user,
      rule,
    });
  if (limits.tiktok.app !== null)
    buckets.push({ key: `tiktok:${endpoint}:app`, limit: limits.tiktok.app, rule });
  const taken = ctx.limits.take(buckets, req.nowMs);
  if (!taken.allowed) {
    return answer(
      'tiktok',
      endpoint,
      200,
      { code: 40100, message: 'rate limited', request_id: rid },
      {
        clientId,
        outcome: 'rate_limited',
        overLimit: taken.refusedBy?.key ?? null,
      },
    );
  }
  const fault = ctx.faults.drawAnswerFault('tiktok');
  if (fault === '5xx') {
    return answer(
      'tiktok',
      endpoint,
      500,
      {
        code: 50002,
        message: 'Internal service error, please retry later.',
        request_id: rid,
        data: {},
      },
      { clientId, outcome: 'fault_5xx' },
    );
  }
  if (fault === 'hang')
    return answer('tiktok', endpoint, 0, null, { hang: true, clientId, outcome: 'fault_hang' });

  const q = req.query;
  const businessId = q.get('business_id');
  const videoId = q.get('video_id');
  if (!businessId)
    return fail(40002, 'business_id: Missing data for required field.', { clientId });
  if (!videoId) return fail(40002, 'video_id: Missing data for required field.', { clientId });
  const client = ctx.world.clientByBusiness(businessId);
  if (!client || client.clientId !== clientId) {
    return fail(
      40001,
      'No permission to operate the business account. Please check the business_id.',
      { clientId },
    );
  }
  const maxCount = q.has('max_count') ? Number(q.get('max_count')) : 20;
  if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > 30) {
    return fail(40002, 'max_count: Must be between 1 and 30.', { clientId });
  }
  const cursor = q.has('cursor') ? Number(q.get('cursor')) : 0;
  if (!Number.isInteger(cursor) || cursor < 0)
    return fail(40002, 'cursor: Not a valid integer.', { clientId });
  const sortField = q.get('sort_field');
  const sortOrder = q.get('sort_order') ?? 'desc';
  if (sortField !== null && !['likes', 'replies', 'create_time'].includes(sortField)) {
    return fail(40002, 'sort_field: Must be one of: likes, replies, create_time.', { clientId });
  }
  if (!['asc', 'desc', 'smart'].includes(sortOrder)) {
    return fail(40002, 'sort_order: Must be one of: asc, desc, smart.', { clientId });
  }
  let wanted: Set<string> | null = null;
  const commentIds = q.get('comment_ids');
  if (commentIds !== null) {
    try {
      const parsed: unknown = JSON.parse(commentIds);
      if (!Array.isArray(parsed) || parsed.length > 30)
        throw new Error('not an array of at most 30');
      wanted = new Set(parsed.map(String));
    } catch (err) {
      return fail(40002, `comment_ids: ${err instanceof Error ? err.message : 'invalid'}`, {
        clientId,
      });
    }
  }
  const post = ctx.world.post('tiktok', videoId);
  if (!post || post.deleted || post.clientId !== clientId) {
    return fail(
      40002,
      `video_id: Video ${videoId} does not exist or does not belong to this account.`,
      { clientId, outcome: 'not_found' },
    );
  }

  let comments: readonly SimItem[];
  if (sortField === null || sortOrder === 'smart') {
    comments = ctx.world.tiktokRandomOrder(videoId);
  } else {
    const byTime = ctx.world.itemsOf(clientId, 'comments', videoId);
    if (sortField === 'create_time') {
      comments = sortOrder === 'asc' ? byTime : [...byTime].reverse();
    } else {
      const key = (i: SimItem): number => (sortField === 'likes' ? i.likes : i.replies);
      const sign = sortOrder === 'asc' ? 1 : -1;
      comments = [...byTime].sort(
        (a, b) => sign * (key(a) - key(b)) || (a.itemId < b.itemId ? 1 : -1),
      );
    }
  }
  if (wanted !== null) {
    const w = wanted;
    comments = comments.filter((c) => w.has(c.itemId));
  }
  const page = comments.slice(cursor, cursor + maxCount);
  const hasMore = cursor + page.length < comments.length;
  const duplicate = hasMore && page.length > 1 && ctx.faults.drawDuplicate('tiktok');
  const commentsJson = page.map((c) =>
    cachedJson(c, 'tiktok', () => render(c, client.tiktok.username)),
  );
  const data = jsonObject([
    ['has_more', String(hasMore)],
    ['comments', `[${commentsJson.join(',')}]`],
    ['cursor', String(cursor + page.length - (duplicate ? 1 : 0))],
  ]);
  const body = jsonObject([
    ['code', '0'],
    ['message', '"OK"'],
    ['request_id', JSON.stringify(rid)],
    ['data', data],
  ]);
  const result = answer('tiktok', endpoint, 200, body, { clientId, raw: true });
  afterServe(page, req.nowMs, ctx);
  return fault === 'malformed' ? malformed(result) : result;
}

function render(item: SimItem, ownerName: string): Record<string, unknown> {
  return {
    video_id: item.postId,
    liked: false,
    pinned: false,
    user_id: item.authorId,
    text: item.text,
    replies: item.replies,
    username: item.authorName,
    status: 'PUBLIC',
    likes: item.likes,
    create_time: String(Math.floor(item.createdAtMs / 1000)),
    owner: item.authorName === ownerName,
    comment_id: item.itemId,
    profile_image: `https://p16-sign-sg.tiktokcdn.com/tiktok-obj/${item.authorId.slice(0, 16)}~c5_168x168.jpeg`,
  };
}
