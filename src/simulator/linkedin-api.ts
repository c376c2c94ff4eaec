/**
 * LinkedIn Community Management API (`/rest`): `GET /rest/socialActions/{urn}/comments`,
 * `GET /rest/organizationalEntityNotifications?q=criteria…`, and the inbox contract
 * `GET /rest/conversations?createdAfter=…` (LinkedIn's Messages API is partner-only; this shape is
 * the connector's contract, `RawConversationSchema`: `{elements:[{id, lastActivityAt,
 * participants:[{id}], lastMessage:{id, text, author}}], paging}`).
 *
 * Requires `LinkedIn-Version` (426 when missing, retired or in the future) and
 * `X-Restli-Protocol-Version: 2.0.0`; URNs in the path must be percent-encoded. Offset paging with
 * `start`/`count` and `paging.total`, newest first. Daily quotas per application and per member
 * per endpoint, reset at 00:00 UTC, signalled only by a 429 body (no headers).
 */
import {
  afterServe,
  cachedJson,
  jsonObject,
  answer,
  bearerOf,
  headerOf,
  malformed,
  type SimAnswer,
  type SimContext,
  type SimRequest,
} from './context.js';
import type { SimClient, SimItem } from './world.js';

const ACTIONS = [
  'LIKE',
  'COMMENT',
  'SHARE',
  'SHARE_MENTION',
  'ADMIN_COMMENT',
  'COMMENT_EDIT',
  'COMMENT_DELETE',
];
const NOTIFICATION_RETENTION_MS = 60 * 86_400_000;
const MAX_COUNT = 100;

type Endpoint = 'comments' | 'notifications' | 'conversations';

/** Answer a LinkedIn request, or `null` when the path is not a LinkedIn endpoint. */
export function handleLinkedIn(req: SimRequest, ctx: SimContext): SimAnswer | null {
  let endpoint: Endpoint;
  let segment: string | undefined;
  const comments = /^\/rest\/socialActions\/([^/]+)\/comments$/.exec(req.path);
  if (comments) [endpoint, segment] = ['comments', comments[1]!];
  else if (req.path === '/rest/organizationalEntityNotifications') endpoint = 'notifications';
  else if (req.path === '/rest/conversations') endpoint = 'conversations';
  else return null;
  const error = (
    status: number,
    body: Record<string, unknown>,
    extra: Partial<SimAnswer> = {},
  ): SimAnswer => answer('linkedin', endpoint, status, body, extra);

  const version = headerOf(req, 'linkedin-version');
  if (version === undefined) {
    return error(426, {
      status: 426,
      code: 'VERSION_MISSING',
      message:
        'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
    });
  }
  const month = /^([0-9]{6})(\.[0-9]{2})?$/.exec(version)?.[1];
  const currentMonth = new Date(req.nowMs).toISOString().slice(0, 7).replace('-', '');
  if (month === undefined || month < ctx.config.linkedinOldestVersion || month > currentMonth) {
    return error(426, {
      status: 426,
      code: 'NONEXISTENT_VERSION',
      message: `Requested version ${version.replace('.', '')}01 is not active`,
    });
  }
  if (headerOf(req, 'x-restli-protocol-version') !== '2.0.0') {
    return error(400, {
      status: 400,
      code: 'ILLEGAL_ARGUMENT',
      message: 'This endpoint requires X-Restli-Protocol-Version: 2.0.0',
    });
  }
  const token = bearerOf(req);
  const rec = token === undefined ? undefined : ctx.world.token(token);
  if (!rec || rec.platform !== 'linkedin' || rec.clientId === null) {
    return error(
      401,
      { serviceErrorCode: 65600, message: 'Invalid access token', status: 401 },
      { outcome: 'auth' },
    );
  }
  if (rec.status === 'revoked') {
    return error(
      401,
      {
        status: 401,
        serviceErrorCode: 65601,
        code: 'REVOKED_ACCESS_TOKEN',
        message: 'The token used in the request has been revoked by the user',
      },
      { outcome: 'auth' },
    );
  }
  if (rec.expiresAtMs !== null && req.nowMs >= rec.expiresAtMs) {
    return error(
      401,
      {
        status: 401,
        serviceErrorCode: 65602,
        code: 'EXPIRED_ACCESS_TOKEN',
        message: 'The token used in the request has expired',
      },
      { outcome: 'auth' },
    );
  }
  const clientId = rec.clientId;
  const client = ctx.world.client(clientId)!;

  const limits = ctx.config.rateLimits.linkedin;
  const buckets = [];
  if (limits.app !== null)
    buckets.push({
      key: `linkedin:${endpoint}:app`,
      limit: limits.app,
      rule: { kind: 'utc-day' as const },
    });
  if (limits.user !== null)
    buckets.push({
      key: `linkedin:${endpoint}:member:${clientId}`,
      limit: limits.user,
      rule: { kind: 'utc-day' as const },
    });
  const taken = ctx.limits.take(buckets, req.nowMs);
  if (!taken.allowed) {
    const scope = taken.refusedBy?.key.includes(':app') ? 'APPLICATION' : 'MEMBER';
    return error(
      429,
      {
        message: `Resource level throttle ${scope} DAY limit for calls to this resource is reached.`,
        status: 429,
      },
      {
        clientId,
        outcome: 'rate_limited',
        overLimit: taken.refusedBy?.key ?? null,
      },
    );
  }
  const fault = ctx.faults.drawAnswerFault('linkedin');
  if (fault === '5xx')
    return error(
      500,
      { message: 'Internal Server Error', status: 500 },
      { clientId, outcome: 'fault_5xx' },
    );
  if (fault === 'hang')
    return answer('linkedin', endpoint, 0, null, { hang: true, clientId, outcome: 'fault_hang' });

  const q = req.query;
  const start = q.has('start') ? Number(q.get('start')) : 0;
  const count = q.has('count') ? Number(q.get('count')) : 10;
  if (
    !Number.isInteger(start) ||
    start < 0 ||
    !Number.isInteger(count) ||
    count < 0 ||
    count > MAX_COUNT
  ) {
    return error(
      400,
      {
        status: 400,
        code: 'ILLEGAL_ARGUMENT',
        message: `Invalid paging: start=${q.get('start')} count=${q.get('count')} (count at most ${MAX_COUNT})`,
      },
      { clientId },
    );
  }
  let result: SimAnswer;
  switch (endpoint) {
    case 'comments':
      result = listComments(req, ctx, client, segment ?? '', start, count);
      break;
    case 'notifications':
      result = listNotifications(req, ctx, client, start, count);
      break;
    case 'conversations':
      result = listConversations(req, ctx, client, start, count);
      break;
  }
  result.clientId = clientId;
  return fault === 'malformed' && result.status === 200 ? malformed(result) : result;
}

/** A page of `all` (newest first) with LinkedIn's paging block; may repeat one item (fault). */
function pageOf<T>(
  ctx: SimContext,
  all: readonly T[],
  start: number,
  count: number,
): { elements: T[]; paging: Record<string, unknown> } {
  // The duplicate fault shifts the page back by one: the previous page's last item comes again.
  const from = start > 0 && ctx.faults.drawDuplicate('linkedin') ? start - 1 : start;
  return {
    elements: all.slice(from, from + count),
    paging: { start, count, links: [], total: all.length },
  };
}

function listComments(
  req: SimRequest,
  ctx: SimContext,
  client: SimClient,
  segment: string,
  start: number,
  count: number,
): SimAnswer {
  if (segment.includes(':')) {
    return answer('linkedin', 'comments', 400, {
      status: 400,
      code: 'ILLEGAL_ARGUMENT',
      message: 'Syntax exception in path variables',
    });
  }
  const urn = decodeURIComponent(segment);
  const post = ctx.world.post('linkedin', urn);
  if (!post || post.deleted) {
    return answer('linkedin', 'comments', 404, {
      status: 404,
      code: 'RESOURCE_NOT_FOUND',
      message: 'No virtual resource found',
    });
  }
  if (post.clientId !== client.clientId) {
    return answer('linkedin', 'comments', 403, {
      status: 403,
      serviceErrorCode: 100,
      code: 'ACCESS_DENIED',
      message: `Not enough permissions to access: socialActions.GET.${req.headers['linkedin-version']?.toString().slice(0, 6)}01`,
    });
  }
  const items = ctx.world.itemsOf(client.clientId, 'comments', post.id);
  const newestFirst = [...items].reverse();
  const { elements, paging } = pageOf(ctx, newestFirst, start, count);
  const body = jsonObject([
    ['paging', JSON.stringify(paging)],
    [
      'elements',
      `[${elements
        .map((c) =>
          cachedJson(c, 'linkedin', () => renderComment(c, client, post.activityUrn ?? '')),
        )
        .join(',')}]`,
    ],
  ]);
  afterServe(elements, req.nowMs, ctx);
  return answer('linkedin', 'comments', 200, body, { raw: true });
}

function commentUrn(activityUrn: string, id: string): string {
  return `urn:li:comment:(${activityUrn},${id})`;
}

function renderComment(
  item: SimItem,
  client: SimClient,
  activityUrn: string,
): Record<string, unknown> {
  const urn = commentUrn(activityUrn, item.itemId);
  const asOrg = item.authorId === client.linkedin.organizationUrn;
  const stamp = {
    actor: item.authorId,
    ...(asOrg ? { impersonator: client.linkedin.memberUrn } : {}),
    time: item.createdAtMs,
  };
  const out: Record<string, unknown> = {
    actor: item.authorId,
    commentsSummary: {
      selectedComments: [],
      totalFirstLevelComments: 0,
      aggregatedTotalComments: 0,
    },
    created: stamp,
    lastModified: stamp,
    id: item.itemId,
    $URN: urn,
    message: { attributes: [], text: item.text },
  };
  if (item.likes > 0) {
    out.likesSummary = {
      selectedLikes: [],
      aggregatedTotalLikes: item.likes,
      likedByCurrentUser: false,
      totalLikes: item.likes,
    };
  }
  out.object = activityUrn;
  return out;
}

function listNotifications(
  req: SimRequest,
  ctx: SimContext,
  client: SimClient,
  start: number,
  count: number,
): SimAnswer {
  const q = req.query;
  const bad = (message: string): SimAnswer =>
    answer('linkedin', 'notifications', 400, { status: 400, code: 'ILLEGAL_ARGUMENT', message });
  if (q.get('q') !== 'criteria') return bad('q must be criteria');
  const org = q.get('organizationalEntity');
  if (org === null) return bad('organizationalEntity is required');
  const owner = ctx.world.clientByOrganization(org);
  if (!owner || owner.clientId !== client.clientId) {
    return answer('linkedin', 'notifications', 403, {
      status: 403,
      serviceErrorCode: 100,
      code: 'ACCESS_DENIED',
      message: 'Not enough permissions to access: organizationalEntityNotifications.GET',
    });
  }
  let actions = ACTIONS;
  const actionsRaw = q.get('actions');
  if (actionsRaw !== null) {
    const m = /^List\(([A-Z_,]*)\)$/.exec(actionsRaw);
    if (!m) return bad(`Invalid actions: ${actionsRaw}`);
    actions = m[1]!.split(',').filter((a) => a !== '');
    const unknown = actions.find((a) => !ACTIONS.includes(a));
    if (unknown !== undefined) return bad(`Invalid action: ${unknown}`);
  }
  let fromMs = req.nowMs - NOTIFICATION_RETENTION_MS;
  let toMs = Infinity;
  const range = q.get('timeRange');
  if (range !== null) {
    const m = /^\(start:([0-9]+)(?:,end:([0-9]+))?\)$/.exec(range);
    if (!m) return bad(`Invalid timeRange: ${range}`);
    fromMs = Math.max(fromMs, Number(m[1]));
    if (m[2] !== undefined) toMs = Number(m[2]);
  }
  const matching: SimItem[] = [];
  const all = ctx.world.notificationsOf(org);
  for (let i = all.length - 1; i >= 0; i--) {
    const item = all[i]!;
    if (item.createdAtMs < fromMs) break;
    if (item.createdAtMs >= toMs || !actions.includes(actionOf(item, client))) continue;
    matching.push(item);
  }
  const { elements, paging } = pageOf(ctx, matching, start, count);
  const body = {
    paging,
    elements: elements.map((item) => {
      const action = actionOf(item, client);
      if (item.kind === 'linkedin_mention') {
        return {
          action,
          organizationalEntity: org,
          sourcePost: item.postId,
          generatedActivity: item.itemId,
          lastModifiedAt: item.createdAtMs,
          decoratedGeneratedActivity: {
            share: { entity: item.postId, owner: item.authorId, text: item.text },
          },
        };
      }
      const post = ctx.world.post('linkedin', item.postId ?? '');
      const urn = commentUrn(post?.activityUrn ?? '', item.itemId);
      return {
        action,
        organizationalEntity: org,
        sourcePost: item.postId,
        generatedActivity: urn,
        lastModifiedAt: item.createdAtMs,
        decoratedGeneratedActivity: {
          comment: {
            entity: urn,
            owner: item.authorId,
            text: item.text,
            object: post?.activityUrn,
          },
        },
      };
    }),
  };
  afterServe(
    elements.filter((e) => e.kind === 'linkedin_mention'),
    req.nowMs,
    ctx,
  );
  return answer('linkedin', 'notifications', 200, body);
}

function actionOf(item: SimItem, client: SimClient): string {
  if (item.kind === 'linkedin_mention') return 'SHARE_MENTION';
  return item.authorId === client.linkedin.organizationUrn ? 'ADMIN_COMMENT' : 'COMMENT';
}

function listConversations(
  req: SimRequest,
  ctx: SimContext,
  client: SimClient,
  start: number,
  count: number,
): SimAnswer {
  const after = req.query.has('createdAfter') ? Number(req.query.get('createdAfter')) : 0;
  if (!Number.isFinite(after)) {
    return answer('linkedin', 'conversations', 400, {
      status: 400,
      code: 'ILLEGAL_ARGUMENT',
      message: 'createdAfter must be epoch milliseconds',
    });
  }
  const matching = ctx.world
    .conversationsOf(client.clientId)
    .filter((c) => c.lastMessage.createdAtMs >= after)
    .sort(
      (a, b) => b.lastMessage.createdAtMs - a.lastMessage.createdAtMs || (a.id < b.id ? -1 : 1),
    );
  const { elements, paging } = pageOf(ctx, matching, start, count);
  const body = {
    paging,
    elements: elements.map((c) => ({
      id: c.id,
      lastActivityAt: c.lastMessage.createdAtMs,
      participants: [{ id: c.participantUrn }, { id: client.linkedin.memberUrn }],
      lastMessage: {
        id: c.lastMessage.itemId,
        text: c.lastMessage.text,
        author: c.lastMessage.authorId,
      },
    })),
  };
  for (const c of elements) ctx.world.markServed(c.lastMessage, req.nowMs);
  return answer('linkedin', 'conversations', 200, body);
}
