import { describe, expect, it, vi } from 'vitest';
import { PlatformError, type PlatformErrorCode } from '../../src/domain/errors.js';
import { PollEventSchema } from '../../src/domain/poll-event.js';
import type { ConnectorResponse } from '../../src/platforms/connector.js';
import { TikTokAdapter } from '../../src/platforms/tiktok/adapter.js';
import {
  classifyTikTokBusinessResponse,
  classifyTikTokFailure,
  classifyTikTokResearchResponse,
  nextUtcMidnightMs,
  readTikTokBusinessRateLimit,
} from '../../src/platforms/tiktok/classify.js';
import type { TikTokConnector } from '../../src/platforms/tiktok/client.js';
import { parseJsonLossless } from '../../src/platforms/tiktok/lossless-json.js';
import {
  formatTikTokCheckpoint,
  parseTikTokCheckpoint,
} from '../../src/platforms/tiktok/normalize.js';
import { TikTokPoller } from '../../src/platforms/tiktok/poller.js';
import { fixtureText, loadFixture, type Fixture } from '../helpers/platform-fixtures.js';

const NOW_MS = Date.UTC(2026, 0, 1, 15, 0, 0);

function research(name: string): Fixture {
  return parseJsonLossless(fixtureText('tiktok', name)) as Fixture;
}

function business(comments: unknown[], extra: { cursor?: number; has_more?: boolean } = {}) {
  return {
    code: 0,
    message: 'OK',
    data: { comments, cursor: extra.cursor ?? comments.length, has_more: extra.has_more ?? false },
  };
}

function comment(id: string, createTimeS: number, text = `c${id}`) {
  return {
    comment_id: id,
    video_id: '7109065174526479622',
    text,
    create_time: createTimeS,
    user_id: 'u',
    username: 'handle',
  };
}

function mockConnector(body: unknown) {
  const response: ConnectorResponse<unknown> = { status: 200, body, rateLimit: null };
  return {
    getVideoComments: vi.fn<TikTokConnector['getVideoComments']>().mockResolvedValue(response),
    getResearchVideoComments: vi
      .fn<TikTokConnector['getResearchVideoComments']>()
      .mockResolvedValue(response),
  };
}

describe('parseJsonLossless', () => {
  it('keeps int64 ids that JSON.parse would round', () => {
    const text = fixtureText('tiktok', 'research-comments.documented.json');
    const parsed = parseJsonLossless(text) as {
      body: { data: { comments: Array<Record<string, unknown>> } };
    };
    const [first] = parsed.body.data.comments;
    expect(first).toMatchObject({
      id: '12345616934634134',
      video_id: '1234563451201523412',
      create_time: 1671491598,
    });
    expect(String((JSON.parse(text) as typeof parsed).body.data.comments[0]!.video_id)).not.toBe(
      '1234563451201523412',
    );
    expect(parseJsonLossless('{"a":"7386111312293610270","b":[-9007199254740993,1.5e3]}')).toEqual({
      a: '7386111312293610270',
      b: ['-9007199254740993', 1500],
    });
  });
});

describe('classifyTikTok', () => {
  const business: Array<[file: string, code: PlatformErrorCode, extra: Record<string, unknown>]> = [
    [
      'business-error.40100-rate-limited.json',
      'rate_limited',
      { retryAfterMs: 300_000, platformCode: '40100' },
    ],
    ['business-error.40105-token-revoked.json', 'auth', { platformCode: '40105' }],
  ];
  it.each(business)('classifies Business %s (HTTP 200) as %s', (file, code, extra) => {
    const fixture = loadFixture('tiktok', file);
    expect(fixture.status).toBe(200);
    const error = classifyTikTokBusinessResponse({ ...fixture, nowMs: NOW_MS });
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ code, ...extra });
  });

  it('accepts Business successes and reports the 40100 budget signal', () => {
    for (const file of [
      'business-comment-list.recorded-2022.json',
      'business-comment-reply-list.recorded-2022.json',
    ]) {
      const fixture = loadFixture('tiktok', file);
      expect(classifyTikTokBusinessResponse({ ...fixture, nowMs: NOW_MS })).toBeNull();
      expect(readTikTokBusinessRateLimit(fixture.body)).toBeNull();
    }
    const limited = loadFixture('tiktok', 'business-error.40100-rate-limited.json');
    expect(readTikTokBusinessRateLimit(limited.body, { rateLimitCooldownMs: 60_000 })).toEqual({
      remaining: 0,
      retryAfterMs: 60_000,
    });
  });

  it('classifies other Business codes and statuses', () => {
    const at = (code: number, options = {}) =>
      classifyTikTokBusinessResponse(
        { status: 200, headers: {}, body: { code, message: 'x' }, nowMs: NOW_MS },
        options,
      )?.code;
    expect(at(40102)).toBe('auth');
    expect(at(40001)).toBe('auth');
    expect(at(40002)).toBe('invalid_request');
    expect(at(51000)).toBe('transient');
    expect(at(40130)).toBe('auth');
    expect(at(40002, { businessCodes: { 40002: 'not_found' } })).toBe('not_found');
    const status = (s: number) =>
      classifyTikTokBusinessResponse({ status: s, headers: {}, body: undefined, nowMs: NOW_MS });
    expect(status(502)?.code).toBe('transient');
    expect(status(404)?.code).toBe('not_found');
    expect(status(401)?.code).toBe('auth');
    expect(status(400)?.code).toBe('invalid_request');
    expect(status(429)).toMatchObject({ code: 'rate_limited', retryAfterMs: 300_000 });
  });

  it('classifies Research errors: 429 waits for the daily reset, invalid cursor is a bad request', () => {
    const limited = research('research-error.429.json');
    const midnight = Date.UTC(2026, 0, 2);
    expect(classifyTikTokResearchResponse({ ...limited, nowMs: NOW_MS })).toMatchObject({
      code: 'rate_limited',
      resetAtMs: midnight,
      retryAfterMs: midnight - NOW_MS,
      platformCode: 'rate_limit_exceeded',
    });
    const cursor = research('research-error.invalid-cursor.json');
    expect(classifyTikTokResearchResponse({ ...cursor, nowMs: NOW_MS })).toMatchObject({
      code: 'invalid_request',
      status: 400,
    });
    const ok = research('research-comments.documented.json');
    expect(classifyTikTokResearchResponse({ ...ok, nowMs: NOW_MS })).toBeNull();
    const at = (status: number, body: unknown) =>
      classifyTikTokResearchResponse({ status, headers: {}, body, nowMs: NOW_MS })?.code;
    expect(at(401, { error: { code: 'access_token_invalid', message: '' } })).toBe('auth');
    expect(at(500, { error: { code: 'internal_error' } })).toBe('transient');
    expect(at(418, { error: { code: 'something_new' } })).toBe('invalid_request');
    expect(at(503, undefined)).toBe('transient');
    expect(at(429, undefined)).toBe('rate_limited');
    expect(nextUtcMidnightMs(Date.UTC(2026, 11, 31, 23, 59))).toBe(Date.UTC(2027, 0, 1));
  });

  it('never puts the token in a message', () => {
    const token = 'act.secret-token-value-123';
    const body = {
      code: 40105,
      message: `Access token ${token} is incorrect or has been revoked.`,
    };
    const error = classifyTikTokBusinessResponse({
      status: 200,
      headers: {},
      body,
      nowMs: NOW_MS,
      secrets: [token],
    });
    expect(error?.message).not.toContain(token);
    const researchError = classifyTikTokResearchResponse({
      status: 401,
      headers: {},
      body: { error: { code: 'access_token_invalid', message: `Bearer ${token}` } },
      nowMs: NOW_MS,
      secrets: [token],
    });
    expect(researchError?.message).not.toContain(token);
    expect(classifyTikTokFailure(new Error(`reset ${token}`), [token]).message).not.toContain(
      token,
    );
  });

  it('turns timeouts and network errors into transient', () => {
    expect(classifyTikTokFailure(new DOMException('t', 'TimeoutError'))).toMatchObject({
      code: 'transient',
      platformCode: 'timeout',
    });
    expect(
      classifyTikTokFailure(new TypeError('fetch failed', { cause: new Error('ECONNRESET') }))
        .message,
    ).toContain('ECONNRESET');
    expect(classifyTikTokFailure(42)).toMatchObject({ code: 'transient', platformCode: 'network' });
  });
});

describe('TikTokPoller', () => {
  it('normalizes the recorded Business comment list (string create_time)', async () => {
    const fixture = loadFixture('tiktok', 'business-comment-list.recorded-2022.json');
    const connector = mockConnector(fixture.body);
    const result = await new TikTokPoller(connector, { clientId: 'acme' }).pollComments({
      videoId: '7109065174526479622',
      cursor: null,
    });
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      id: 'tiktok:acme:comments:7110150495453840130',
      eventType: 'comment',
      postId: '7109065174526479622',
      parentId: null,
      author: {
        platformId: '367b786990e8dcebcf493e035b820f5be4834422511c851b3bd0010f9690adbc',
        username: 'phoenix202312121',
        displayName: 'phoenix202312121',
      },
      content: 'nice',
      timestamp: new Date(1655461098 * 1000).toISOString(),
    });
    expect(PollEventSchema.parse(result.events[0])).toEqual(result.events[0]);
    expect(result).toMatchObject({
      hasMore: false,
      nextCursor: null,
      newest: { createTimeS: 1655461098, commentId: '7110150495453840130' },
    });
    expect(connector.getVideoComments).toHaveBeenCalledWith('7109065174526479622', {
      cursor: 0,
      max_count: 30,
    });
  });

  it('normalizes a reply with its parent comment', async () => {
    const fixture = loadFixture('tiktok', 'business-comment-reply-list.recorded-2022.json');
    const result = await new TikTokPoller(mockConnector(fixture.body), {
      clientId: 'acme',
    }).pollComments({ videoId: '7109065174526479622', cursor: '0' });
    expect(result.events[0]).toMatchObject({
      itemId: '7115302925501563650',
      parentId: '7111907185164763905',
      content: 'hh',
    });
  });

  it('stops at the first comment at or before the checkpoint time', async () => {
    const body = business(
      [comment('5', 1000), comment('4', 900), comment('3', 800), comment('2', 700)],
      { cursor: 4, has_more: true },
    );
    const result = await new TikTokPoller(mockConnector(body), { clientId: 'acme' }).pollComments({
      videoId: '1',
      cursor: null,
      stopAtOrBeforeS: 900,
    });
    expect(result.events.map((e) => e.itemId)).toEqual(['5']);
    expect(result).toMatchObject({ hasMore: false, nextCursor: null });
  });

  it('keeps walking a short page while has_more is true', async () => {
    const body = business([comment('5', 1000)], { cursor: 30, has_more: true });
    const result = await new TikTokPoller(mockConnector(body), { clientId: 'acme' }).pollComments({
      videoId: '1',
      cursor: null,
      stopAtOrBeforeS: 10,
    });
    expect(result).toMatchObject({ hasMore: true, nextCursor: '30' });
  });

  it('quarantines a malformed comment and keeps the rest', async () => {
    const bad = { comment_id: '9', text: 'no time' };
    const body = business([comment('5', 1000), bad]);
    const result = await new TikTokPoller(mockConnector(body), { clientId: 'acme' }).pollComments({
      videoId: '1',
      cursor: null,
    });
    expect(result.events).toHaveLength(1);
    expect(result.quarantined).toEqual([
      { platform: 'tiktok', reason: expect.stringContaining('create_time'), raw: bad },
    ]);
  });

  it('rejects a malformed envelope or page cursor', async () => {
    const poller = (body: unknown) => new TikTokPoller(mockConnector(body), { clientId: 'acme' });
    await expect(
      poller({ message: 'no code' }).pollComments({ videoId: '1', cursor: null }),
    ).rejects.toMatchObject({ code: 'invalid_response' });
    await expect(
      poller({ code: 0, data: { comments: [] } }).pollComments({ videoId: '1', cursor: null }),
    ).rejects.toMatchObject({ code: 'invalid_response' });
    await expect(
      poller({ data: {} }).pollResearchComments({ videoId: '1', cursor: null }),
    ).rejects.toMatchObject({ code: 'invalid_response' });
    await expect(
      poller(business([])).pollComments({ videoId: '1', cursor: 'abc' }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('reads the Research list losslessly, top-level comments without a parent', async () => {
    const fixture = research('research-comments.documented.json');
    const connector = mockConnector(fixture.body);
    const result = await new TikTokPoller(connector, { clientId: 'acme' }).pollResearchComments({
      videoId: '1234563451201523412',
      cursor: '200',
    });
    expect(result.events[0]).toMatchObject({
      itemId: '12345616934634134',
      postId: '1234563451201523412',
      parentId: '1234561201524010',
      content: 'AWEEEEEE 🥰🥰🥰',
      author: { platformId: null },
    });
    expect(result).toMatchObject({ hasMore: true, nextCursor: '300' });
    expect(connector.getResearchVideoComments).toHaveBeenCalledWith('1234563451201523412', {
      cursor: 200,
      max_count: 100,
    });
    const top = {
      data: {
        comments: [
          {
            id: '7386111312293610270',
            video_id: '7385291383449439519',
            parent_comment_id: '7385291383449439519',
            text: '',
            create_time: 1719713129,
          },
        ],
        cursor: 1000,
        has_more: true,
      },
    };
    const capped = await new TikTokPoller(mockConnector(top), {
      clientId: 'acme',
    }).pollResearchComments({ videoId: '7385291383449439519', cursor: null });
    expect(capped.events[0]).toMatchObject({
      itemId: '7386111312293610270',
      parentId: null,
      content: '',
    });
    expect(capped).toMatchObject({ hasMore: false, nextCursor: null });
  });
});

describe('TikTokAdapter', () => {
  const adapterWith = (
    connector: ReturnType<typeof mockConnector>,
    source: 'business' | 'research' = 'business',
  ) => new TikTokAdapter({ client: { forClient: () => connector }, overlapMs: 60_000, source });

  it('walks newest first and stops at the checkpoint minus the overlap', async () => {
    const body = business(
      [comment('7', 2000), comment('6', 1990), comment('5', 1950), comment('4', 1900)],
      { cursor: 4, has_more: true },
    );
    const adapter = adapterWith(mockConnector(body));
    const page = await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'comments',
      resourceId: '1',
      cursor: '2000:7',
      pageToken: null,
    });
    expect(page.events.map((e) => e.itemId)).toEqual(['7', '6', '5']);
    expect(page).toMatchObject({ nextPageToken: null, cursorCandidate: '2000:7' });
  });

  it('continues with the page token and offers no candidate on later pages', async () => {
    const connector = mockConnector(business([comment('3', 500)], { cursor: 60, has_more: true }));
    const page = await adapterWith(connector).fetchPage({
      clientId: 'acme',
      resourceType: 'comments',
      resourceId: '1',
      cursor: null,
      pageToken: '30',
    });
    expect(connector.getVideoComments).toHaveBeenCalledWith('1', { cursor: 30, max_count: 30 });
    expect(page).toMatchObject({ nextPageToken: '60', cursorCandidate: null });
  });

  it('reads the Research source unsorted, filtering by time and offering every page newest', async () => {
    const body = {
      data: {
        comments: [
          { id: 10, text: 'old', create_time: 100 },
          { id: 11, text: 'new', create_time: 5000 },
        ],
        cursor: 2,
        has_more: false,
      },
    };
    const adapter = adapterWith(mockConnector(body), 'research');
    const page = await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'comments',
      resourceId: '1',
      cursor: '1000:1',
      pageToken: '100',
    });
    expect(page.events.map((e) => e.itemId)).toEqual(['11']);
    expect(page.cursorCandidate).toBe('5000:11');
    expect(adapter.endpointOf('comments')).toBe('research_comment_list');
  });

  it('rejects bad cursors, missing video ids and other resource types', async () => {
    const adapter = adapterWith(mockConnector(business([])));
    await expect(
      adapter.fetchPage({
        clientId: 'a',
        resourceType: 'comments',
        resourceId: '1',
        cursor: 'nope',
        pageToken: null,
      }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      adapter.fetchPage({ clientId: 'a', resourceType: 'comments', cursor: null, pageToken: null }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      adapter.fetchPage({ clientId: 'a', resourceType: 'dms', cursor: null, pageToken: null }),
    ).rejects.toThrow(/no dms/);
    expect(() => adapter.endpointOf('dms')).toThrow();
    expect(adapter.endpointOf('comments')).toBe('comment_list');
  });

  it('orders checkpoints by time, then by id', () => {
    const adapter = adapterWith(mockConnector(business([])));
    expect(adapter.maxCursor('1000:9', '1001:1')).toBe('1001:1');
    expect(adapter.maxCursor('1000:9007199254740993', '1000:9007199254740992')).toBe(
      '1000:9007199254740993',
    );
    expect(adapter.maxCursor(null, '1:1')).toBe('1:1');
    expect(adapter.maxCursor('1:1', null)).toBe('1:1');
    expect(adapter.maxCursor('bad', null)).toBe('bad');
    expect(adapter.maxCursor(null, null)).toBeNull();
    expect(formatTikTokCheckpoint({ createTimeS: 5, commentId: '7' })).toBe('5:7');
    expect(parseTikTokCheckpoint('x:y')).toBeNull();
  });
});
