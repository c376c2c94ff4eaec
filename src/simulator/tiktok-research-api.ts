/**
 * TikTok Research API: `POST /v2/research/video/comment/list/?fields=…` with a JSON body
 * `{video_id, max_count, cursor}`. Ids are int64 written as bare JSON numbers (above 2^53, so the
 * request body is read without JSON.parse and the answer is written as text). Only the requested
 * fields come back; top-level comments have `parent_comment_id == video_id`; results are unsorted;
 * the cursor is an offset capped at 1,000; a daily request quota per app ends in a 429.
 */
import {
  afterServe,
  answer,
  bearerOf,
  type SimAnswer,
  type SimContext,
  type SimRequest,
} from './context.js';
import type { SimItem } from './world.js';

const PATH = '/v2/research/video/comment/list/';
const FIELDS = [
  'id',
  'video_id',
  'text',
  'like_count',
  'reply_count',
  'parent_comment_id',
  'create_time',
];
const MAX_CURSOR = 1000;
let logCounter = 0;

function logId(nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  logCounter = (logCounter + 1) % 0xffffff;
  return `${stamp}${logCounter.toString(16).toUpperCase().padStart(20, '0')}`;
}

/**
 * An integer field of a JSON body, read from the text so that int64 values keep every digit:
 * its digits, `null` when absent, `false` when present but not an integer.
 */
function intField(body: string, name: string): string | null | false {
  const m = new RegExp(`"${name}"\\s*:\\s*("?)(-?[0-9]+)\\1\\s*[,}]`).exec(body);
  if (m) return m[2]!;
  return new RegExp(`"${name}"\\s*:`).test(body) ? false : null;
}

/** Answer a TikTok Research request, or `null` when the path is not the comment list. */
export function handleTikTokResearch(req: SimRequest, ctx: SimContext): SimAnswer | null {
  if (req.path !== PATH) return null;
  const endpoint = 'research_comment_list';
  const log = logId(req.nowMs);
  const error = (
    status: number,
    code: string,
    message: string,
    extra: Partial<SimAnswer> = {},
  ): SimAnswer =>
    answer('tiktok', endpoint, status, { data: {}, error: { code, message, log_id: log } }, extra);
  if (req.method !== 'POST') return error(405, 'invalid_params', 'Method not allowed');
  const token = bearerOf(req);
  if (token === undefined || token !== ctx.world.tiktokResearchToken) {
    return error(
      401,
      'access_token_invalid',
      'The access token is invalid or not found in the request.',
      { outcome: 'auth' },
    );
  }
  const taken = ctx.limits.take(
    [
      {
        key: `tiktok:${endpoint}:app`,
        limit: ctx.config.rateLimits.tiktokResearchPerDay,
        rule: { kind: 'utc-day' },
      },
    ],
    req.nowMs,
  );
  if (!taken.allowed) {
    return error(429, 'rate_limit_exceeded', 'The API rate limit was exceeded.', {
      outcome: 'rate_limited',
      overLimit: taken.refusedBy?.key ?? null,
    });
  }
  const fault = ctx.faults.drawAnswerFault('tiktok');
  if (fault === '5xx')
    return error(500, 'internal_error', 'Something went wrong. Please try again later.', {
      outcome: 'fault_5xx',
    });
  if (fault === 'hang')
    return answer('tiktok', endpoint, 0, null, { hang: true, outcome: 'fault_hang' });

  const fieldsRaw = req.query.get('fields');
  const fields = fieldsRaw === null ? [] : fieldsRaw.split(',');
  if (fields.length === 0 || fields.some((f) => !FIELDS.includes(f))) {
    return error(400, 'invalid_params', `Invalid fields: ${fieldsRaw ?? ''}`);
  }
  const videoId = intField(req.body, 'video_id');
  const maxCount = intField(req.body, 'max_count');
  const cursorRaw = intField(req.body, 'cursor');
  if (videoId === null || videoId === false || maxCount === false || cursorRaw === false) {
    return error(400, 'invalid_params', 'Invalid video_id, count or cursor');
  }
  const count = maxCount === null ? 10 : Number(maxCount);
  const cursor = cursorRaw === null ? 0 : Number(cursorRaw);
  if (count < 1 || count > 100 || cursor < 0)
    return error(400, 'invalid_params', 'Invalid count or cursor');
  const post = ctx.world.post('tiktok', videoId);
  const all: readonly SimItem[] = post && !post.deleted ? ctx.world.tiktokRandomOrder(videoId) : [];
  const reachable = all.slice(0, MAX_CURSOR);
  const page = reachable.slice(cursor, cursor + count);
  const comments = page.map((c) => {
    const values: Record<string, string> = {
      id: c.itemId,
      video_id: videoId,
      text: JSON.stringify(c.text),
      like_count: String(c.likes),
      reply_count: String(c.replies),
      parent_comment_id: videoId,
      create_time: String(Math.floor(c.createdAtMs / 1000)),
    };
    return `{${fields.map((f) => `"${f}":${values[f]}`).join(',')}}`;
  });
  const hasMore = cursor + page.length < reachable.length;
  const body = `{"data":{"comments":[${comments.join(',')}],"cursor":${cursor + page.length},"has_more":${hasMore}},"error":{"code":"ok","message":"","log_id":"${log}"}}`;
  afterServe(page, req.nowMs, ctx);
  const result = answer('tiktok', endpoint, 200, body, { raw: true });
  return fault === 'malformed'
    ? { ...result, body: body.slice(0, body.length >> 1), outcome: 'fault_malformed' }
    : result;
}
