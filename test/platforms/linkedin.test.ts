import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { PlatformError, type PlatformErrorCode } from '../../src/domain/errors.js';
import { PollEventSchema } from '../../src/domain/poll-event.js';
import type { ConnectorResponse } from '../../src/platforms/connector.js';
import { LinkedInAdapter } from '../../src/platforms/linkedin/adapter.js';
import {
  classifyLinkedInFailure,
  classifyLinkedInResponse,
} from '../../src/platforms/linkedin/classify.js';
import type { LinkedInConnector } from '../../src/platforms/linkedin/client.js';
import { commentIdOf } from '../../src/platforms/linkedin/normalize.js';
import { LinkedInPoller } from '../../src/platforms/linkedin/poller.js';
import { loadFixture } from '../helpers/platform-fixtures.js';

const NOW_MS = Date.UTC(2026, 0, 1, 18, 0, 0);
const POST = 'urn:li:activity:7095684521727016961';

function mockConnector(
  body: unknown = { paging: { start: 0, count: 50, total: 0 }, elements: [] },
) {
  const response: ConnectorResponse<unknown> = { status: 200, body, rateLimit: null };
  return {
    getPostComments: vi.fn<LinkedInConnector['getPostComments']>().mockResolvedValue(response),
    getConversations: vi.fn<LinkedInConnector['getConversations']>().mockResolvedValue(response),
    getOrganizationNotifications: vi
      .fn<LinkedInConnector['getOrganizationNotifications']>()
      .mockResolvedValue(response),
  };
}

function liComment(id: string, timeMs: number) {
  return {
    id,
    actor: 'urn:li:person:a',
    created: { time: timeMs },
    message: { text: `t${id}` },
    object: POST,
  };
}

describe('classifyLinkedInResponse', () => {
  const cases: Array<[file: string, code: PlatformErrorCode, extra: Record<string, unknown>]> = [
    ['error.401-expired.json', 'auth', { platformCode: 'EXPIRED_ACCESS_TOKEN' }],
    ['error.401-revoked.json', 'auth', { platformCode: 'REVOKED_ACCESS_TOKEN' }],
    ['error.403-access-denied.json', 'auth', { platformCode: 'ACCESS_DENIED' }],
    ['error.426-version-retired.json', 'invalid_request', { platformCode: 'NONEXISTENT_VERSION' }],
    [
      'error.429-day-limit.json',
      'rate_limited',
      { resetAtMs: Date.UTC(2026, 0, 2), retryAfterMs: 6 * 3_600_000 },
    ],
  ];
  it.each(cases)('classifies %s as %s', (file, code, extra) => {
    const fixture = loadFixture('linkedin', file);
    const error = classifyLinkedInResponse({ ...fixture, nowMs: NOW_MS });
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ code, status: fixture.status, ...extra });
  });

  it('says that a 426 needs the LinkedIn-Version moved forward', () => {
    const fixture = loadFixture('linkedin', 'error.426-version-retired.json');
    expect(classifyLinkedInResponse({ ...fixture, nowMs: NOW_MS })?.message).toMatch(
      /LinkedIn-Version/,
    );
  });

  it('classifies other statuses', () => {
    const at = (status: number, body: unknown = undefined) =>
      classifyLinkedInResponse({ status, headers: {}, body, nowMs: NOW_MS });
    expect(at(200)).toBeNull();
    expect(
      at(404, { status: 404, code: 'RESOURCE_NOT_FOUND', message: 'No virtual resource found' })
        ?.code,
    ).toBe('not_found');
    expect(at(500)?.code).toBe('transient');
    expect(at(504)?.code).toBe('transient');
    expect(at(400, { serviceErrorCode: 3 })).toMatchObject({
      code: 'invalid_request',
      platformCode: '3',
    });
    const protection = at(429, { status: 429, message: 'Too many requests' });
    expect(protection).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: undefined,
      resetAtMs: undefined,
    });
  });

  it('never puts the token in a message', () => {
    const token = 'AQX-linkedin-secret-token';
    const body = { status: 401, serviceErrorCode: 65600, message: `Invalid access token ${token}` };
    expect(
      classifyLinkedInResponse({ status: 401, headers: {}, body, nowMs: NOW_MS, secrets: [token] })
        ?.message,
    ).not.toContain(token);
    expect(classifyLinkedInFailure(new Error(`oops ${token}`), [token]).message).not.toContain(
      token,
    );
  });

  it('turns timeouts and network errors into transient', () => {
    expect(classifyLinkedInFailure(new DOMException('t', 'TimeoutError'))).toMatchObject({
      code: 'transient',
      platformCode: 'timeout',
    });
    expect(
      classifyLinkedInFailure(new TypeError('fetch failed', { cause: new Error('EPIPE') })).message,
    ).toContain('EPIPE');
    expect(classifyLinkedInFailure(null).platformCode).toBe('network');
  });
});

describe('LinkedInPoller', () => {
  it('normalizes the recorded comments, including one posted as the organization', async () => {
    const fixture = loadFixture('linkedin', 'comments.recorded-2023.json');
    const connector = mockConnector(fixture.body);
    const result = await new LinkedInPoller(connector, {
      clientId: 'acme',
      pageSize: 10,
    }).pollComments({ postUrn: POST, start: 0 });
    expect(result.events.map((e) => e.itemId)).toEqual([
      '7095684947448897536',
      '7095684616149176322',
    ]);
    expect(result.events[0]).toMatchObject({
      id: 'linkedin:acme:comments:7095684947448897536',
      eventType: 'comment',
      postId: POST,
      author: { platformId: 'urn:li:person:zLqTygBP8S', displayName: null },
      content: 'User Test Comment 004',
      timestamp: new Date(1691743122924).toISOString(),
    });
    expect(result.events[1]!.author.platformId).toBe('urn:li:organization:96072893');
    for (const event of result.events) expect(PollEventSchema.parse(event)).toEqual(event);
    expect(result).toMatchObject({ nextStart: null, hasMore: false, newestTimeMs: 1691743122924 });
    expect(connector.getPostComments).toHaveBeenCalledWith(POST, { start: 0, count: 10 });
  });

  it('leaves out comments at or before sinceTimeMs but still reports the newest time', async () => {
    const body = {
      paging: { start: 0, count: 2, total: 5 },
      elements: [liComment('1', 100), liComment('2', 300)],
    };
    const result = await new LinkedInPoller(mockConnector(body), { clientId: 'acme' }).pollComments(
      { postUrn: POST, start: 0, sinceTimeMs: 100 },
    );
    expect(result.events.map((e) => e.itemId)).toEqual(['2']);
    expect(result).toMatchObject({ nextStart: 2, hasMore: true, newestTimeMs: 300 });
  });

  it('takes the comment id from the URN when there is no id, and keeps parentComment', async () => {
    const reply = {
      $URN: `urn:li:comment:(${POST},42)`,
      parentComment: `urn:li:comment:(${POST},41)`,
      actor: 'urn:li:person:b',
      created: { time: 5 },
    };
    const body = { elements: [reply, { actor: 'x', created: { time: 1 } }] };
    const result = await new LinkedInPoller(mockConnector(body), { clientId: 'acme' }).pollComments(
      { postUrn: POST, start: 0 },
    );
    expect(result.events[0]).toMatchObject({
      itemId: '42',
      parentId: `urn:li:comment:(${POST},41)`,
      content: '',
    });
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]!.reason).toMatch(/id, \$URN or commentUrn/);
    expect(result.nextStart).toBeNull();
    expect(commentIdOf({ commentUrn: 'weird', actor: 'a', created: { time: 1 } })).toBe('weird');
  });

  it('pages on without a total only while pages come back full', async () => {
    const full = {
      paging: { start: 0, count: 2 },
      elements: [liComment('1', 1), liComment('2', 2)],
    };
    const short = { paging: { start: 2, count: 2 }, elements: [liComment('3', 3)] };
    const poller = (body: unknown) =>
      new LinkedInPoller(mockConnector(body), { clientId: 'acme', pageSize: 2 });
    expect((await poller(full).pollComments({ postUrn: POST, start: 0 })).nextStart).toBe(2);
    expect((await poller(short).pollComments({ postUrn: POST, start: 2 })).nextStart).toBeNull();
    const empty = { paging: { start: 4, count: 0 }, elements: [] };
    expect((await poller(empty).pollComments({ postUrn: POST, start: 4 })).nextStart).toBeNull();
  });

  it('rejects a malformed envelope as invalid_response', async () => {
    const poller = new LinkedInPoller(mockConnector({ paging: {} }), { clientId: 'acme' });
    await expect(poller.pollComments({ postUrn: POST, start: 0 })).rejects.toMatchObject({
      code: 'invalid_response',
    });
  });

  it('normalizes inbox conversations as dm events, one per new message', async () => {
    const body = {
      elements: [
        {
          id: 'conv_1',
          lastActivityAt: 1704067200000,
          participants: [{ id: 'urn:li:person:p', name: 'Pat' }],
          lastMessage: { text: 'Hello!' },
        },
        {
          id: 'conv_2',
          lastActivityAt: 1704067300000,
          participants: [{ id: 'urn:li:person:q' }, { id: 'urn:li:person:r', name: 'Ria' }],
          lastMessage: { id: 'm9', text: 'Hi', author: 'urn:li:person:r' },
        },
      ],
    };
    const connector = mockConnector(body);
    const result = await new LinkedInPoller(connector, { clientId: 'acme' }).pollInbox({
      sinceTime: 1704067000000,
    });
    expect(result.events[0]).toMatchObject({
      eventType: 'dm',
      itemId: 'conv_1@1704067200000',
      threadId: 'conv_1',
      author: { platformId: 'urn:li:person:p', displayName: 'Pat' },
      content: 'Hello!',
    });
    expect(result.events[1]).toMatchObject({
      itemId: 'm9',
      author: { platformId: 'urn:li:person:r', displayName: 'Ria' },
    });
    expect(result.newestTimeMs).toBe(1704067300000);
    expect(connector.getConversations).toHaveBeenCalledWith({
      createdAfter: 1704067000000,
      start: 0,
      count: 50,
    });
  });

  it('normalizes organization mention notifications', async () => {
    const body = {
      paging: { start: 0, count: 50, total: 1 },
      elements: [
        {
          action: 'SHARE_MENTION',
          organizationalEntity: 'urn:li:organization:5',
          sourcePost: 'urn:li:share:9',
          generatedActivity: 'urn:li:activity:10',
          lastModifiedAt: 1704067200000,
          decoratedGeneratedActivity: { share: { owner: 'urn:li:person:z', text: 'Hey @Acme' } },
        },
        { action: 'SHARE_MENTION', lastModifiedAt: 1 },
      ],
    };
    const connector = mockConnector(body);
    const result = await new LinkedInPoller(connector, {
      clientId: 'acme',
      mentionActions: ['SHARE_MENTION', 'COMMENT_MENTION'],
    }).pollMentions({
      organizationUrn: 'urn:li:organization:5',
      sinceTimeMs: 1,
      untilTimeMs: 2,
    });
    expect(result.events[0]).toMatchObject({
      eventType: 'mention',
      itemId: 'SHARE_MENTION:urn:li:activity:10',
      postId: 'urn:li:share:9',
      author: { platformId: 'urn:li:person:z' },
      content: 'Hey @Acme',
      resource: { type: 'mentions', id: 'urn:li:organization:5' },
    });
    expect(result.quarantined).toHaveLength(1);
    expect(connector.getOrganizationNotifications).toHaveBeenCalledWith('urn:li:organization:5', {
      startMs: 1,
      endMs: 2,
      actions: ['SHARE_MENTION', 'COMMENT_MENTION'],
      start: 0,
      count: 50,
    });
  });
});

describe('LinkedInAdapter', () => {
  const clock = new ManualClock(NOW_MS);
  const adapterWith = (connector: ReturnType<typeof mockConnector>, options = {}) =>
    new LinkedInAdapter({
      client: { forClient: () => connector },
      overlapMs: 1000,
      pageSize: 2,
      clock,
      ...options,
    });

  it('walks comment pages up to the cap, filtering by cursor minus overlap', async () => {
    const body = {
      paging: { start: 0, count: 2, total: 10 },
      elements: [liComment('1', 5000), liComment('2', 3999)],
    };
    const connector = mockConnector(body);
    const adapter = adapterWith(connector, { maxPagesPerWalk: 2 });
    const first = await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'comments',
      resourceId: POST,
      cursor: '5000',
      pageToken: null,
    });
    expect(first.events.map((e) => e.itemId)).toEqual(['1']);
    expect(first).toMatchObject({ nextPageToken: '2', cursorCandidate: '5000' });
    connector.getPostComments.mockResolvedValue({
      status: 200,
      body: { ...body, paging: { start: 2, count: 2, total: 10 } },
      rateLimit: null,
    });
    const second = await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'comments',
      resourceId: POST,
      cursor: '5000',
      pageToken: '2',
    });
    expect(connector.getPostComments).toHaveBeenLastCalledWith(POST, { start: 2, count: 2 });
    expect(second.nextPageToken).toBeNull();
  });

  it('asks the inbox for createdAfter = cursor minus overlap', async () => {
    const connector = mockConnector({ elements: [] });
    const page = await adapterWith(connector).fetchPage({
      clientId: 'acme',
      resourceType: 'inbox',
      cursor: '10000',
      pageToken: null,
    });
    expect(connector.getConversations).toHaveBeenCalledWith({
      createdAfter: 9000,
      start: 0,
      count: 2,
    });
    expect(page).toMatchObject({ events: [], nextPageToken: null, cursorCandidate: null });
  });

  it('keeps one mention time range for the whole walk', async () => {
    const body = {
      paging: { start: 0, count: 2, total: 4 },
      elements: [
        { action: 'SHARE_MENTION', sourcePost: 'urn:li:share:1', lastModifiedAt: NOW_MS - 10 },
      ],
    };
    const connector = mockConnector(body);
    const adapter = adapterWith(connector, { initialLookbackMs: 86_400_000 });
    const first = await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'mentions',
      resourceId: 'urn:li:organization:5',
      cursor: null,
      pageToken: null,
    });
    expect(connector.getOrganizationNotifications).toHaveBeenLastCalledWith(
      'urn:li:organization:5',
      expect.objectContaining({ startMs: NOW_MS - 86_400_000, endMs: NOW_MS, start: 0 }),
    );
    expect(first).toMatchObject({
      nextPageToken: `2:${NOW_MS}`,
      cursorCandidate: String(NOW_MS - 10),
    });
    clock.advance(5000);
    await adapter.fetchPage({
      clientId: 'acme',
      resourceType: 'mentions',
      resourceId: 'urn:li:organization:5',
      cursor: '1000000',
      pageToken: first.nextPageToken,
    });
    expect(connector.getOrganizationNotifications).toHaveBeenLastCalledWith(
      'urn:li:organization:5',
      expect.objectContaining({ startMs: 999000, endMs: NOW_MS, start: 2 }),
    );
  });

  it('rejects bad cursors, tokens and resources', async () => {
    const adapter = adapterWith(mockConnector());
    const req = {
      clientId: 'a',
      resourceType: 'comments' as const,
      resourceId: POST,
      pageToken: null,
    };
    await expect(adapter.fetchPage({ ...req, cursor: 'yesterday' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(adapter.fetchPage({ ...req, cursor: null, pageToken: 'x' })).rejects.toMatchObject(
      { code: 'invalid_request' },
    );
    await expect(
      adapter.fetchPage({ clientId: 'a', resourceType: 'comments', cursor: null, pageToken: null }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      adapter.fetchPage({ clientId: 'a', resourceType: 'dms', cursor: null, pageToken: null }),
    ).rejects.toThrow(/no dms/);
  });

  it('compares cursors as times and names its endpoints', () => {
    const adapter = adapterWith(mockConnector());
    expect(adapter.maxCursor('1691743122924', '1691743043936')).toBe('1691743122924');
    expect(adapter.maxCursor('999', '1000')).toBe('1000');
    expect(adapter.maxCursor(null, '5')).toBe('5');
    expect(adapter.maxCursor('5', 'x')).toBe('5');
    expect(adapter.maxCursor(null, null)).toBeNull();
    expect(
      ['comments', 'inbox', 'mentions'].map((t) => adapter.endpointOf(t as 'comments')),
    ).toEqual(['comments', 'conversations', 'notifications']);
    expect(() => adapter.endpointOf('replies')).toThrow();
  });
});
