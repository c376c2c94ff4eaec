/**
 * Connector tests over real HTTP against a local node:http server: paths, query parameters,
 * headers, URN encoding, error classification, timeouts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import type { Platform } from '../../src/domain/platform.js';
import type { CredentialProvider, Credentials } from '../../src/platforms/connector.js';
import {
  createPlatformAdapters,
  LinkedInClient,
  TikTokClient,
  XClient,
} from '../../src/platforms/index.js';
import { fixtureText, loadFixture } from '../helpers/platform-fixtures.js';
import { startLocalServer, type LocalServer } from '../helpers/local-http-server.js';

const TOKEN = 'tok-SECRET-1234567890';
const NOW_MS = 1665185000000;

const credentials: CredentialProvider = {
  getCredentials(clientId: string, platform: Platform): Promise<Credentials> {
    if (clientId === 'no-account') return Promise.resolve({ accessToken: TOKEN });
    return Promise.resolve({
      accessToken: `${TOKEN}`,
      ...(platform === 'tiktok' ? { accountId: `biz-${clientId}` } : {}),
    });
  },
};

let server: LocalServer;
const clock = new ManualClock(NOW_MS);

beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

function lastRequest() {
  const request = server.requests.at(-1);
  if (request === undefined) throw new Error('no request reached the server');
  return request;
}

describe('XClient', () => {
  const client = () => new XClient({ credentials, baseUrl: server.baseUrl, clock });

  it('asks for mentions with fields, expansions and the bearer token, and reads rate-limit headers', async () => {
    const fixture = loadFixture('x', 'mentions.documented-with-expansions.json');
    server.reply({
      headers: {
        'x-rate-limit-limit': '450',
        'x-rate-limit-remaining': '449',
        'x-rate-limit-reset': '1665185861',
      },
      body: fixture.body,
    });
    const response = await client().forClient('acme').getMentions('2244994945', {
      since_id: '1500000000000000000',
      max_results: 100,
      pagination_token: null,
    });
    const request = lastRequest();
    expect(request.method).toBe('GET');
    expect(request.path).toBe('/2/users/2244994945/mentions');
    expect(request.query.get('tweet.fields')).toBe(
      'created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,edit_history_tweet_ids',
    );
    expect(request.query.get('expansions')).toBe('author_id');
    expect(request.query.get('user.fields')).toBe('name,username');
    expect(request.query.get('since_id')).toBe('1500000000000000000');
    expect(request.query.get('max_results')).toBe('100');
    expect(request.query.has('pagination_token')).toBe(false);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(response).toEqual({
      status: 200,
      body: fixture.body,
      rateLimit: { limit: 450, remaining: 449, resetAtMs: 1665185861000 },
    });
  });

  it('uses the configured post-fields parameter name', async () => {
    server.reply({ body: { meta: { result_count: 0 } } });
    await new XClient({ credentials, baseUrl: server.baseUrl, postFieldsParam: 'post.fields' })
      .forClient('acme')
      .getMentions('1', {});
    expect(lastRequest().query.has('post.fields')).toBe(true);
    expect(lastRequest().query.has('tweet.fields')).toBe(false);
  });

  it('searches replies by conversation_id with next_token, and start_time only without since_id', async () => {
    server.reply({ body: { meta: { result_count: 0 } } }, { body: { meta: { result_count: 0 } } });
    const connector = client().forClient('acme');
    await connector.getTweetReplies('1234567890', {
      since_id: '5',
      next_token: 'nt',
      start_time: '2022-10-01T00:00:00.000Z',
    });
    let request = lastRequest();
    expect(request.path).toBe('/2/tweets/search/recent');
    expect(request.query.get('query')).toBe('conversation_id:1234567890');
    expect(request.query.get('next_token')).toBe('nt');
    expect(request.query.has('start_time')).toBe(false);
    await connector.getTweetReplies('1234567890', {
      since_id: null,
      start_time: '2022-10-01T00:00:00.000Z',
    });
    request = lastRequest();
    expect(request.query.get('start_time')).toBe('2022-10-01T00:00:00.000Z');
    expect(request.query.has('since_id')).toBe(false);
  });

  it('lists DM events with their fields', async () => {
    const fixture = loadFixture('x', 'dm-events.documented-event-types.json');
    server.reply({ body: fixture.body });
    await client()
      .forClient('acme')
      .getDirectMessages({ pagination_token: 'p1', max_results: 100 });
    const request = lastRequest();
    expect(request.path).toBe('/2/dm_events');
    expect(request.query.get('dm_event.fields')).toContain('dm_conversation_id');
    expect(request.query.get('expansions')).toBe('sender_id');
    expect(request.query.get('pagination_token')).toBe('p1');
  });

  it('throws rate_limited on a 429 with the reset from the headers', async () => {
    const fixture = loadFixture('x', 'error.429-documented.json');
    server.reply({ status: 429, headers: fixture.headers, body: fixture.body });
    await expect(client().forClient('acme').getMentions('1', {})).rejects.toMatchObject({
      code: 'rate_limited',
      resetAtMs: 1665185861000,
      retryAfterMs: 861000,
    });
  });

  it('throws auth on a 401 without the token in the message', async () => {
    const fixture = loadFixture('x', 'error.401-unauthorized.json');
    server.reply({
      status: 401,
      body: { ...(fixture.body as object), detail: `Unauthorized token ${TOKEN}` },
    });
    const error: unknown = await client()
      .forClient('acme')
      .getMentions('1', {})
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'auth', status: 401 });
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('turns a timeout into transient', async () => {
    server.reply({ hold: true });
    const slow = new XClient({ credentials, baseUrl: server.baseUrl, timeoutMs: 50 });
    await expect(slow.forClient('acme').getDirectMessages({})).rejects.toMatchObject({
      code: 'transient',
      platformCode: 'timeout',
    });
  });

  it('turns a refused connection into transient', async () => {
    const closed = await startLocalServer();
    await closed.close();
    const client = new XClient({ credentials, baseUrl: closed.baseUrl });
    await expect(client.forClient('acme').getDirectMessages({})).rejects.toMatchObject({
      code: 'transient',
      platformCode: 'network',
    });
  });

  it('classifies a non-JSON 502 as transient', async () => {
    server.reply({ status: 502, body: '<html>Bad gateway</html>' });
    await expect(client().forClient('acme').getMentions('1', {})).rejects.toMatchObject({
      code: 'transient',
      status: 502,
    });
  });
});

describe('LinkedInClient', () => {
  const client = () =>
    new LinkedInClient({ credentials, baseUrl: server.baseUrl, linkedInVersion: '202601', clock });

  it('gets a post comments with the URN encoded and the versioned headers', async () => {
    const fixture = loadFixture('linkedin', 'comments.recorded-2023.json');
    server.reply({ body: fixture.body });
    const response = await client()
      .forClient('acme')
      .getPostComments('urn:li:activity:7095684521727016961', { start: 0, count: 10 });
    const request = lastRequest();
    expect(request.url).toBe(
      '/rest/socialActions/urn%3Ali%3Aactivity%3A7095684521727016961/comments?start=0&count=10',
    );
    expect(request.url.split('?')[0]).toBe(fixture.request?.path);
    expect(request.headers['linkedin-version']).toBe('202601');
    expect(request.headers['x-restli-protocol-version']).toBe('2.0.0');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(response).toEqual({ status: 200, body: fixture.body, rateLimit: null });
  });

  it('asks for organization notifications with Rest.li structure unescaped and the URN encoded', async () => {
    server.reply({ body: { elements: [] } });
    await client().forClient('acme').getOrganizationNotifications('urn:li:organization:5', {
      startMs: 1,
      endMs: 2,
      start: 0,
      count: 50,
    });
    const request = lastRequest();
    expect(request.path).toBe('/rest/organizationalEntityNotifications');
    expect(request.url).toContain('q=criteria');
    expect(request.url).toContain('organizationalEntity=urn%3Ali%3Aorganization%3A5');
    expect(request.url).toContain('actions=List(SHARE_MENTION)');
    expect(request.url).toContain('timeRange=(start:1,end:2)');
    expect(request.url).toContain('start=0&count=50');
  });

  it('asks the partner-only conversations endpoint with createdAfter', async () => {
    server.reply({ body: { elements: [] } }, { body: { elements: [] } });
    await client()
      .forClient('acme')
      .getConversations({ createdAfter: 1704067200000, start: 0, count: 20 });
    expect(lastRequest().url).toBe(
      '/rest/conversations?q=criteria&createdAfter=1704067200000&start=0&count=20',
    );
    await client().forClient('acme').getConversations({ createdAfter: null });
    expect(lastRequest().url).toBe('/rest/conversations?q=criteria');
  });

  it('throws invalid_request on a 426 retired version and rate_limited on a daily 429', async () => {
    const retired = loadFixture('linkedin', 'error.426-version-retired.json');
    const day = loadFixture('linkedin', 'error.429-day-limit.json');
    server.reply({ status: 426, body: retired.body }, { status: 429, body: day.body });
    await expect(
      client().forClient('acme').getPostComments('urn:li:share:1', { start: 0, count: 10 }),
    ).rejects.toMatchObject({ code: 'invalid_request', platformCode: 'NONEXISTENT_VERSION' });
    await expect(
      client().forClient('acme').getPostComments('urn:li:share:1', { start: 0, count: 10 }),
    ).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('turns a timeout into transient', async () => {
    server.reply({ hold: true });
    const slow = new LinkedInClient({ credentials, baseUrl: server.baseUrl, timeoutMs: 50 });
    await expect(
      slow.forClient('acme').getConversations({ createdAfter: null }),
    ).rejects.toMatchObject({ code: 'transient', platformCode: 'timeout' });
  });
});

describe('TikTokClient', () => {
  const client = () =>
    new TikTokClient({
      credentials,
      businessBaseUrl: server.baseUrl,
      researchBaseUrl: server.baseUrl,
      clock,
    });

  it('lists a video comments newest first with the Access-Token header and business_id', async () => {
    const fixture = loadFixture('tiktok', 'business-comment-list.recorded-2022.json');
    server.reply({ body: fixture.body });
    const response = await client()
      .forClient('acme')
      .getVideoComments('7109065174526479622', { cursor: null, max_count: 50 });
    const request = lastRequest();
    expect(request.path).toBe('/open_api/v1.3/business/comment/list/');
    expect(Object.fromEntries(request.query)).toEqual({
      business_id: 'biz-acme',
      video_id: '7109065174526479622',
      sort_field: 'create_time',
      sort_order: 'desc',
      cursor: '0',
      max_count: '30',
    });
    expect(request.headers['access-token']).toBe(TOKEN);
    expect(request.headers.authorization).toBeUndefined();
    expect(response).toEqual({ status: 200, body: fixture.body, rateLimit: null });
  });

  it('throws on Business errors sent as HTTP 200 with a non-zero code', async () => {
    const limited = loadFixture('tiktok', 'business-error.40100-rate-limited.json');
    const revoked = loadFixture('tiktok', 'business-error.40105-token-revoked.json');
    server.reply({ body: limited.body }, { body: revoked.body });
    await expect(
      client().forClient('acme').getVideoComments('1', { cursor: 30 }),
    ).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 300_000 });
    expect(lastRequest().query.get('cursor')).toBe('30');
    await expect(client().forClient('acme').getVideoComments('1', {})).rejects.toMatchObject({
      code: 'auth',
    });
  });

  it('refuses to call the Business API without a business_id', async () => {
    await expect(client().forClient('no-account').getVideoComments('1', {})).rejects.toMatchObject({
      code: 'auth',
    });
  });

  it('posts Research queries with a bare int64 video_id and parses ids losslessly', async () => {
    server.reply({
      body: '{"data":{"comments":[{"id":7386111312293610270,"video_id":7385291383449439519,"parent_comment_id":7385291383449439519,"text":"","create_time":1719713129}],"cursor":1,"has_more":false},"error":{"code":"ok","message":"","log_id":"x"}}',
    });
    const response = await client()
      .forClient('acme')
      .getResearchVideoComments('7385291383449439519', { cursor: 0, max_count: 500 });
    const request = lastRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v2/research/video/comment/list/');
    expect(request.query.get('fields')).toBe(
      'id,video_id,text,like_count,reply_count,parent_comment_id,create_time',
    );
    expect(request.body).toBe('{"video_id":7385291383449439519,"max_count":100,"cursor":0}');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(response.body).toMatchObject({
      data: { comments: [{ id: '7386111312293610270', video_id: '7385291383449439519' }] },
    });
  });

  it('throws rate_limited on a Research 429 and invalid_request on a bad video id', async () => {
    const text = fixtureText('tiktok', 'research-error.429.json');
    const body = text.slice(text.indexOf('"body":') + 7, text.lastIndexOf('}'));
    server.reply({ status: 429, body });
    await expect(
      client().forClient('acme').getResearchVideoComments('1', {}),
    ).rejects.toMatchObject({ code: 'rate_limited', platformCode: 'rate_limit_exceeded' });
    await expect(
      client().forClient('acme').getResearchVideoComments('video_1', {}),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('turns a timeout into transient', async () => {
    server.reply({ hold: true });
    const slow = new TikTokClient({ credentials, businessBaseUrl: server.baseUrl, timeoutMs: 50 });
    await expect(slow.forClient('acme').getVideoComments('1', {})).rejects.toMatchObject({
      code: 'transient',
      platformCode: 'timeout',
    });
  });
});

describe('createPlatformAdapters', () => {
  it('serves every platform from one base URL under the real paths', async () => {
    const adapters = createPlatformAdapters({
      credentials,
      baseUrl: server.baseUrl,
      clock,
      timeoutMs: 2000,
      x: { overlapMs: 0 },
    });
    server.reply(
      { body: loadFixture('x', 'mentions.recorded-2022.json').body },
      { body: loadFixture('linkedin', 'comments.recorded-2023.json').body },
      { body: loadFixture('tiktok', 'business-comment-list.recorded-2022.json').body },
    );
    const x = await adapters.x.fetchPage({
      clientId: 'acme',
      resourceType: 'mentions',
      resourceId: '783214',
      cursor: '1578522395434192896',
      pageToken: null,
    });
    expect(x.events).toHaveLength(2);
    expect(lastRequest().query.get('since_id')).toBe('1578522395434192896');
    const li = await adapters.linkedin.fetchPage({
      clientId: 'acme',
      resourceType: 'comments',
      resourceId: 'urn:li:activity:7095684521727016961',
      cursor: null,
      pageToken: null,
    });
    expect(li.cursorCandidate).toBe('1691743122924');
    expect(lastRequest().path).toBe(
      '/rest/socialActions/urn%3Ali%3Aactivity%3A7095684521727016961/comments',
    );
    const tt = await adapters.tiktok.fetchPage({
      clientId: 'acme',
      resourceType: 'comments',
      resourceId: '7109065174526479622',
      cursor: null,
      pageToken: null,
    });
    expect(tt.cursorCandidate).toBe('1655461098:7110150495453840130');
    expect(server.requests.map((r) => r.path)).toEqual([
      '/2/users/783214/mentions',
      '/rest/socialActions/urn%3Ali%3Aactivity%3A7095684521727016961/comments',
      '/open_api/v1.3/business/comment/list/',
    ]);
  });

  it('reports a non-JSON success body as invalid_response', async () => {
    const adapters = createPlatformAdapters({ credentials, baseUrl: server.baseUrl });
    server.reply({ body: 'not json' }, { body: 'not json' }, { body: 'not json' });
    const request = { clientId: 'acme', cursor: null, pageToken: null };
    await expect(adapters.x.fetchPage({ ...request, resourceType: 'dms' })).rejects.toMatchObject({
      code: 'invalid_response',
    });
    await expect(
      adapters.linkedin.fetchPage({ ...request, resourceType: 'inbox' }),
    ).rejects.toMatchObject({ code: 'invalid_response' });
    await expect(
      adapters.tiktok.fetchPage({ ...request, resourceType: 'comments', resourceId: '1' }),
    ).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('defaults to the real API hosts', async () => {
    const urls: string[] = [];
    const fetch: typeof globalThis.fetch = (input) => {
      urls.push(input instanceof URL ? input.href : typeof input === 'string' ? input : input.url);
      const url = urls.at(-1)!;
      const body = url.includes('tiktok')
        ? { code: 0, data: { comments: [], cursor: 0, has_more: false } }
        : url.includes('linkedin')
          ? { elements: [] }
          : { meta: { result_count: 0 } };
      return Promise.resolve(new Response(JSON.stringify(body)));
    };
    const adapters = createPlatformAdapters({ credentials, fetch });
    const request = { clientId: 'acme', cursor: null, pageToken: null };
    await adapters.x.fetchPage({ ...request, resourceType: 'dms' });
    await adapters.linkedin.fetchPage({ ...request, resourceType: 'inbox' });
    await adapters.tiktok.fetchPage({ ...request, resourceType: 'comments', resourceId: '1' });
    expect(urls.map((u) => new URL(u).origin)).toEqual([
      'https://api.x.com',
      'https://api.linkedin.com',
      'https://business-api.tiktok.com',
    ]);
    const research = createPlatformAdapters({ credentials, fetch, tiktok: { source: 'research' } });
    await research.tiktok
      .fetchPage({ ...request, resourceType: 'comments', resourceId: '1' })
      .catch((err: unknown) => err);
    expect(new URL(urls.at(-1)!).origin).toBe('https://open.tiktokapis.com');
  });
});
