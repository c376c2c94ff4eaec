import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { PlatformError, type PlatformErrorCode } from '../../src/domain/errors.js';
import { PollEventSchema } from '../../src/domain/poll-event.js';
import type { ConnectorResponse } from '../../src/platforms/connector.js';
import { sinceIdWithOverlap, XAdapter } from '../../src/platforms/x/adapter.js';
import type { XConnector } from '../../src/platforms/x/client.js';
import {
  classifyXFailure,
  classifyXResponse,
  partialErrorsOf,
  problemTypeOf,
  readXRateLimit,
} from '../../src/platforms/x/classify.js';
import { snowflakeTimeMs, stableTweetIdOf } from '../../src/platforms/x/normalize.js';
import { XPoller } from '../../src/platforms/x/poller.js';
import { loadFixture, responseOf } from '../helpers/platform-fixtures.js';

const NOW_MS = 1665185000000;

function mockConnector(body: unknown = { meta: { result_count: 0 } }) {
  const response: ConnectorResponse<unknown> = { status: 200, body, rateLimit: null };
  return {
    getMentions: vi.fn<XConnector['getMentions']>().mockResolvedValue(response),
    getTweetReplies: vi.fn<XConnector['getTweetReplies']>().mockResolvedValue(response),
    getDirectMessages: vi.fn<XConnector['getDirectMessages']>().mockResolvedValue(response),
  };
}

describe('classifyXResponse', () => {
  const cases: Array<[file: string, code: PlatformErrorCode, extra: Record<string, unknown>]> = [
    ['error.400-invalid-param.json', 'invalid_request', { platformCode: 'invalid-request' }],
    ['error.401-unauthorized.json', 'auth', {}],
    [
      'error.429-documented.json',
      'rate_limited',
      { resetAtMs: 1665185861000, retryAfterMs: 861000 },
    ],
    ['error.429-observed.json', 'rate_limited', { resetAtMs: 1665185861000, retryAfterMs: 861000 }],
    [
      'error.429-usage-capped.json',
      'rate_limited',
      { platformCode: 'usage-capped', retryAfterMs: 86_400_000 },
    ],
  ];
  it.each(cases)('classifies %s as %s', (file, code, extra) => {
    const fixture = loadFixture('x', file);
    const error = classifyXResponse({ ...fixture, nowMs: NOW_MS });
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ code, status: fixture.status, ...extra });
  });

  it('treats a 200 with partial errors next to data as a success and lists them', () => {
    const fixture = loadFixture('x', 'lookup.200-partial-errors.json');
    expect(classifyXResponse({ ...fixture, nowMs: NOW_MS })).toBeNull();
    expect(partialErrorsOf(fixture.body)).toMatchObject([
      { resource_id: '456', resource_type: 'tweet' },
    ]);
  });

  it('classifies a 200 that carries only errors by their problem type', () => {
    const body = {
      errors: [
        {
          title: 'Not Found Error',
          detail: 'Could not find user',
          type: 'https://api.x.com/2/problems/resource-not-found',
        },
      ],
    };
    expect(classifyXResponse({ status: 200, headers: {}, body, nowMs: NOW_MS })?.code).toBe(
      'not_found',
    );
    const forbidden = {
      errors: [{ type: 'https://api.twitter.com/2/problems/not-authorized-for-resource' }],
    };
    expect(
      classifyXResponse({ status: 200, headers: {}, body: forbidden, nowMs: NOW_MS })?.code,
    ).toBe('auth');
    const other = { errors: [{ message: 'odd' }] };
    expect(classifyXResponse({ status: 200, headers: {}, body: other, nowMs: NOW_MS })?.code).toBe(
      'invalid_request',
    );
  });

  it('is rate_limited on a 429 even when the headers still show remaining budget', () => {
    const headers = {
      'x-rate-limit-limit': '450',
      'x-rate-limit-remaining': '12',
      'x-rate-limit-reset': '1665185100',
    };
    const error = classifyXResponse({
      status: 429,
      headers,
      body: { title: 'Too Many Requests' },
      nowMs: NOW_MS,
    });
    expect(error).toMatchObject({
      code: 'rate_limited',
      resetAtMs: 1665185100000,
      retryAfterMs: 100_000,
    });
  });

  it('waits for a spent 24-hour budget rather than the 15-minute window', () => {
    const headers = {
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': '1665185100',
      'x-user-limit-24hour-remaining': '0',
      'x-user-limit-24hour-reset': '1665200000',
    };
    expect(
      classifyXResponse({ status: 429, headers, body: undefined, nowMs: NOW_MS }),
    ).toMatchObject({
      code: 'rate_limited',
      resetAtMs: 1665200000000,
      retryAfterMs: 15_000_000,
    });
  });

  it('classifies statuses without a useful body', () => {
    const at = (status: number) =>
      classifyXResponse({ status, headers: {}, body: undefined, nowMs: NOW_MS })?.code;
    expect(at(403)).toBe('auth');
    expect(at(404)).toBe('not_found');
    expect(at(408)).toBe('transient');
    expect(at(500)).toBe('transient');
    expect(at(503)).toBe('transient');
    expect(at(422)).toBe('invalid_request');
    expect(at(429)).toBe('rate_limited');
    expect(
      classifyXResponse({ status: 200, headers: {}, body: undefined, nowMs: NOW_MS }),
    ).toBeNull();
  });

  it('never puts the token in a message', () => {
    const token = 'AAAAtok3n-very-secret-value';
    const body = {
      title: 'Unauthorized',
      detail: `token ${token} rejected; Authorization: Bearer ${token}`,
    };
    const error = classifyXResponse({
      status: 401,
      headers: {},
      body,
      nowMs: NOW_MS,
      secrets: [token],
    });
    expect(error?.message).not.toContain(token);
    const failure = classifyXFailure(new Error(`connect failed for ${token}`), [token]);
    expect(failure.message).not.toContain(token);
  });

  it('turns a timeout or network failure into transient', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyXFailure(timeout)).toMatchObject({ code: 'transient', platformCode: 'timeout' });
    const network = new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') });
    const error = classifyXFailure(network);
    expect(error).toMatchObject({ code: 'transient', platformCode: 'network' });
    expect(error.message).toContain('ECONNREFUSED');
    expect(classifyXFailure('odd').message).toContain('odd');
  });

  it('matches problem types on the path, whatever the host', () => {
    expect(problemTypeOf('https://api.twitter.com/2/problems/usage-capped')).toBe('usage-capped');
    expect(problemTypeOf('https://api.x.com/2/problems/usage-capped')).toBe('usage-capped');
    expect(problemTypeOf('about:blank')).toBeUndefined();
  });

  it('reads rate-limit headers in epoch seconds as ms', () => {
    const fixture = loadFixture('x', 'mentions.recorded-2022.json');
    expect(readXRateLimit(fixture.headers, NOW_MS)).toEqual({
      limit: 450,
      remaining: 449,
      resetAtMs: 1665184961000,
    });
    expect(readXRateLimit({}, NOW_MS)).toBeNull();
    expect(readXRateLimit({ 'retry-after': '30' }, NOW_MS)).toEqual({ retryAfterMs: 30_000 });
  });
});

describe('XPoller', () => {
  it('normalizes a recorded mentions page and keeps walking past a short page with a token', async () => {
    const fixture = loadFixture('x', 'mentions.recorded-2022.json');
    const connector = mockConnector(fixture.body);
    const poller = new XPoller(connector, { clientId: 'acme' });
    const result = await poller.pollMentions({ userId: '783214', sinceId: null });
    expect(result.events.map((e) => e.itemId)).toEqual([
      '1578522401263919106',
      '1578522395434192896',
    ]);
    expect(result.events.every((e) => e.eventType === 'mention' && e.clientId === 'acme')).toBe(
      true,
    );
    expect(result.events[0]!.timestamp.startsWith('2022-10-07T')).toBe(true);
    expect(result.hasMore).toBe(true);
    expect(result.nextToken).toBe('7140dibdnow9c7btw423i3sy5bxqs2le36uxls6whj6ly');
    expect(result.newestId).toBe('1578522401263919106');
    for (const event of result.events) expect(PollEventSchema.parse(event)).toEqual(event);
    expect(connector.getMentions).toHaveBeenCalledWith('783214', {
      since_id: null,
      pagination_token: null,
      max_results: 100,
    });
  });

  it('fills the author from includes.users and the timestamp from created_at', async () => {
    const fixture = loadFixture('x', 'mentions.documented-with-expansions.json');
    const poller = new XPoller(mockConnector(fixture.body), { clientId: 'acme' });
    const [event] = (await poller.pollMentions({ userId: '2244994945', sinceId: '1' })).events;
    expect(event).toMatchObject({
      id: 'x:acme:mentions:1301573587187331074',
      author: { platformId: '1234567890', displayName: 'Dev Person', username: 'developer' },
      content: 'Hey @XDevelopers, love the new API!',
      timestamp: '2024-01-15T10:30:00.000Z',
      resource: { type: 'mentions', id: '2244994945' },
    });
  });

  it('normalizes a reply as a comment with its parent and conversation', async () => {
    const fixture = loadFixture('x', 'reply.documented-conversation.json');
    const poller = new XPoller(mockConnector(fixture.body), { clientId: 'acme' });
    const result = await poller.pollReplies({ tweetId: '1234567890', sinceId: null });
    expect(result.events[0]).toMatchObject({
      eventType: 'comment',
      itemId: '1234567891',
      parentId: '1234567890',
      postId: '1234567890',
      threadId: '1234567890',
      author: { platformId: null, displayName: null, username: null },
    });
    expect(result.hasMore).toBe(false);
  });

  it('reads referenced_posts (the renamed field) as well', async () => {
    const body = {
      data: [{ id: '20', text: 'hi', referenced_posts: [{ type: 'replied_to', id: '15' }] }],
      meta: { result_count: 1 },
    };
    const poller = new XPoller(mockConnector(body), { clientId: 'acme' });
    const [event] = (await poller.pollReplies({ tweetId: '10', sinceId: null })).events;
    expect(event).toMatchObject({ parentId: '15', postId: '10' });
  });

  it('keys an edited post on its original id', () => {
    expect(stableTweetIdOf({ id: '30', text: 'v2', edit_history_tweet_ids: ['25', '30'] })).toBe(
      '25',
    );
    expect(stableTweetIdOf({ id: '30', text: 'v2', edit_history_post_ids: ['26', '30'] })).toBe(
      '26',
    );
  });

  it('treats an empty page without a data key as the end', async () => {
    const poller = new XPoller(mockConnector({ meta: { result_count: 0 } }), { clientId: 'acme' });
    expect(await poller.pollMentions({ userId: '1', sinceId: '5' })).toMatchObject({
      events: [],
      quarantined: [],
      nextToken: null,
      hasMore: false,
      newestId: null,
    });
  });

  it('quarantines a malformed item and keeps the rest of the page', async () => {
    const bad = { id: 'not-a-number', text: 5 };
    const body = {
      data: [bad, { id: '9007199254740993123', text: 'ok' }],
      meta: { result_count: 2 },
    };
    const result = await new XPoller(mockConnector(body), { clientId: 'acme' }).pollMentions({
      userId: '1',
      sinceId: null,
    });
    expect(result.events.map((e) => e.itemId)).toEqual(['9007199254740993123']);
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({ platform: 'x', raw: bad });
    expect(result.quarantined[0]!.reason).toMatch(/id|text/);
    expect(result.newestId).toBe('9007199254740993123');
  });

  it('rejects a malformed envelope as invalid_response', async () => {
    const poller = new XPoller(mockConnector({ data: 'nope' }), { clientId: 'acme' });
    await expect(poller.pollMentions({ userId: '1', sinceId: null })).rejects.toMatchObject({
      code: 'invalid_response',
    });
    const connector = mockConnector();
    connector.getDirectMessages.mockResolvedValue({
      status: 200,
      body: undefined,
      rateLimit: null,
    });
    const notJson = new XPoller(connector, { clientId: 'acme' });
    await expect(notJson.pollDMs({ sinceId: null })).rejects.toMatchObject({
      code: 'invalid_response',
    });
  });

  it('emits only MessageCreate DM events, with sender and conversation', async () => {
    const fixture = loadFixture('x', 'dm-events.documented-event-types.json');
    const result = await new XPoller(mockConnector(fixture.body), { clientId: 'acme' }).pollDMs({
      sinceId: null,
    });
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      eventType: 'dm',
      itemId: '1582838499983564806',
      threadId: '1578398451921985538',
      author: { platformId: '944480690' },
      content: 'Hi everyone.',
      timestamp: '2022-10-19T20:58:00.000Z',
    });
    expect(result.newestId).toBe('1582838535115067392');
  });

  it('stops a DM walk at the first event at or before the since id', async () => {
    const fixture = loadFixture('x', 'dm-events.conversation.recorded-2022.json');
    const poller = new XPoller(mockConnector(fixture.body), { clientId: 'acme' });
    const all = await poller.pollDMs({ sinceId: null });
    expect(all.events.map((e) => e.content)).toEqual(['Testing 2', 'Testing 1']);
    expect(all.nextToken).toBe('18LAA5G1SL0NR5OG0G00ZZZZ');
    expect(all.events[0]!.timestamp.startsWith('2022-10-28')).toBe(true);
    const caughtUp = await poller.pollDMs({ sinceId: '1585800613253812228' });
    expect(caughtUp.events.map((e) => e.content)).toEqual(['Testing 2']);
    expect(caughtUp).toMatchObject({ nextToken: null, hasMore: false });
  });
});

describe('XAdapter', () => {
  const clock = new ManualClock(Date.UTC(2022, 9, 8));
  function adapterWith(connector: ReturnType<typeof mockConnector>, overlapMs = 60_000) {
    return new XAdapter({ client: { forClient: () => connector }, overlapMs, clock });
  }

  it('asks for since_id = cursor minus the overlap on every page of a walk', async () => {
    const fixture = loadFixture('x', 'mentions.recorded-2022.json');
    const connector = mockConnector(fixture.body);
    const adapter = adapterWith(connector);
    const cursor = '1578522000000000000';
    const expectedSince = (BigInt(cursor) - (60_000n << 22n)).toString();
    const first = await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'mentions',
      resourceId: '783214',
      cursor,
      pageToken: null,
    });
    expect(connector.getMentions).toHaveBeenLastCalledWith(
      '783214',
      expect.objectContaining({ since_id: expectedSince, pagination_token: null }),
    );
    expect(first).toMatchObject({
      cursorCandidate: '1578522401263919106',
      nextPageToken: '7140dibdnow9c7btw423i3sy5bxqs2le36uxls6whj6ly',
    });
    const second = await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'mentions',
      resourceId: '783214',
      cursor,
      pageToken: 'tok2',
    });
    expect(connector.getMentions).toHaveBeenLastCalledWith(
      '783214',
      expect.objectContaining({ since_id: expectedSince, pagination_token: 'tok2' }),
    );
    expect(second.cursorCandidate).toBeNull();
    expect(sinceIdWithOverlap(cursor, 60_000)).toBe(expectedSince);
  });

  it('sends no since_id without a cursor or when the overlap reaches before the X epoch', async () => {
    const connector = mockConnector();
    const adapter = adapterWith(connector);
    await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'mentions',
      resourceId: '1',
      cursor: null,
      pageToken: null,
    });
    expect(connector.getMentions).toHaveBeenLastCalledWith(
      '1',
      expect.objectContaining({ since_id: null }),
    );
    await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'mentions',
      resourceId: '1',
      cursor: '5',
      pageToken: null,
    });
    expect(connector.getMentions).toHaveBeenLastCalledWith(
      '1',
      expect.objectContaining({ since_id: null }),
    );
  });

  it('replaces a since_id older than the search window with start_time', async () => {
    const connector = mockConnector();
    const adapter = adapterWith(connector);
    const recent = '1578522000000000000'; // 2022-10-07, a day before the clock
    await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'replies',
      resourceId: '77',
      cursor: recent,
      pageToken: null,
    });
    expect(connector.getTweetReplies).toHaveBeenLastCalledWith(
      '77',
      expect.objectContaining({ since_id: sinceIdWithOverlap(recent, 60_000), start_time: null }),
    );
    const old = '1500000000000000000'; // 2022-03
    expect(snowflakeTimeMs(old)).toBeLessThan(clock.now() - 7 * 86_400_000);
    await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'replies',
      resourceId: '77',
      cursor: old,
      pageToken: 'n1',
    });
    expect(connector.getTweetReplies).toHaveBeenLastCalledWith('77', {
      since_id: null,
      start_time: new Date(clock.now() - 7 * 86_400_000 + 3_600_000).toISOString(),
      next_token: 'n1',
      max_results: 100,
    });
  });

  it('stops a DM walk at the cursor minus the overlap and offers the newest id', async () => {
    const fixture = loadFixture('x', 'dm-events.conversation.recorded-2022.json');
    const adapter = adapterWith(mockConnector(fixture.body), 0);
    const page = await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'dms',
      cursor: '1585800613253812228',
      pageToken: null,
    });
    expect(page.events.map((e) => e.itemId)).toEqual(['1585800613752881156']);
    expect(page).toMatchObject({ nextPageToken: null, cursorCandidate: '1585800613752881156' });
  });

  it('rejects cursors and resource ids that are not X ids', async () => {
    const adapter = adapterWith(mockConnector());
    await expect(
      adapter.fetchPage({
        clientId: 'a',
        resourceType: 'mentions',
        resourceId: '1',
        cursor: 'abc',
        pageToken: null,
      }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      adapter.fetchPage({ clientId: 'a', resourceType: 'replies', cursor: null, pageToken: null }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      adapter.fetchPage({ clientId: 'a', resourceType: 'inbox', cursor: null, pageToken: null }),
    ).rejects.toThrow(/no inbox/);
  });

  it('compares cursors as decimal ids, never as JS numbers', () => {
    const adapter = adapterWith(mockConnector());
    expect(adapter.maxCursor('9007199254740993', '9007199254740992')).toBe('9007199254740993');
    expect(adapter.maxCursor('999', '1000')).toBe('1000');
    expect(adapter.maxCursor(null, '5')).toBe('5');
    expect(adapter.maxCursor('5', null)).toBe('5');
    expect(adapter.maxCursor(null, null)).toBeNull();
    expect(adapter.maxCursor('junk', '5')).toBe('5');
    expect(adapter.maxCursor('5', 'junk')).toBe('5');
  });

  it('charges each resource type to its endpoint', () => {
    const adapter = adapterWith(mockConnector());
    expect(['mentions', 'replies', 'dms'].map((t) => adapter.endpointOf(t as 'mentions'))).toEqual([
      'mentions',
      'search',
      'dm_events',
    ]);
    expect(() => adapter.endpointOf('comments')).toThrow();
  });

  it('uses fixtures as connector responses', () => {
    expect(responseOf(loadFixture('x', 'mentions.recorded-2022.json')).status).toBe(200);
  });
});
