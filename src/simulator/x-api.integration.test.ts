import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/clock.js';
import { call, loadFixture, shapeOf } from '../../test/helpers/simulator.js';
import { startSimulator, type Simulator, type SimulatorOptions } from './server.js';

const START = Date.UTC(2026, 2, 1, 12, 0, 0);
let sim: Simulator | undefined;

async function start(
  options: SimulatorOptions = {},
): Promise<{ sim: Simulator; clock: ManualClock; token: string; userId: string }> {
  const clock = new ManualClock(START);
  sim = await startSimulator({ clock, seed: 'x-test', clients: 2, ...options });
  const cred = sim.world
    .credentials()
    .find((c) => c.platform === 'x' && c.clientId === 'client-001')!;
  return { sim, clock, token: cred.accessToken, userId: cred.accountId };
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

interface Page {
  data?: { id: string; text: string }[];
  meta: { result_count: number; newest_id?: string; oldest_id?: string; next_token?: string };
  includes?: { users: unknown[] };
}

describe('X mentions', () => {
  it('answers in the recorded shape, newest first, with rate-limit headers', async () => {
    const { sim, clock, token, userId } = await start();
    clock.advance(3_600_000);
    const res = await call(sim.url, `/2/users/${userId}/mentions`, auth(token));
    expect(res.status).toBe(200);
    const fixture = loadFixture('x', 'mentions.recorded-2022.json');
    expect(shapeOf(res.body)).toEqual(shapeOf(fixture.body));
    const page = res.body as Page;
    const ids = page.data!.map((d) => BigInt(d.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
    expect(ids[0]! > 2n ** 53n).toBe(true);
    expect(page.meta.newest_id).toBe(page.data![0]!.id);
    expect(res.headers.get('x-rate-limit-limit')).toBe('300');
    expect(res.headers.get('x-rate-limit-remaining')).toBe('299');
    expect(res.headers.get('x-rate-limit-reset')).toBe(
      String((START + 3_600_000 + 900_000) / 1000),
    );
  });

  it('renders requested fields and includes.users as the documented example', async () => {
    const { sim, clock, token, userId } = await start();
    clock.advance(3_600_000);
    const res = await call(
      sim.url,
      `/2/users/${userId}/mentions?tweet.fields=created_at,author_id,public_metrics&expansions=author_id&user.fields=username,name,verified`,
      auth(token),
    );
    const fixture = loadFixture('x', 'mentions.documented-with-expansions.json');
    const body = res.body as Page;
    const { edit_history_tweet_ids: _e, ...first } = body.data![0] as unknown as Record<
      string,
      unknown
    >;
    expect(shapeOf({ ...body, data: [first] })).toEqual(shapeOf(fixture.body));
  });

  it('omits data on an empty page and honours since_id', async () => {
    const { sim, clock, token, userId } = await start();
    clock.advance(3_600_000);
    const first = (await call(sim.url, `/2/users/${userId}/mentions`, auth(token))).body as Page;
    const newest = first.meta.newest_id!;
    const res = await call(sim.url, `/2/users/${userId}/mentions?since_id=${newest}`, auth(token));
    expect(res.body).toEqual({ meta: { result_count: 0 } });
    clock.advance(600_000);
    const later = (
      await call(sim.url, `/2/users/${userId}/mentions?since_id=${newest}`, auth(token))
    ).body as Page;
    for (const d of later.data ?? []) expect(BigInt(d.id) > BigInt(newest)).toBe(true);
  });

  it('walks every mention exactly once with pagination_token', async () => {
    const { sim, clock, token, userId } = await start();
    clock.advance(6 * 3_600_000);
    const seen: string[] = [];
    let tokenParam = '';
    for (let i = 0; i < 100; i++) {
      const page = (
        await call(sim.url, `/2/users/${userId}/mentions?max_results=5${tokenParam}`, auth(token))
      ).body as Page;
      seen.push(...(page.data ?? []).map((d) => d.id));
      if (!page.meta.next_token) break;
      tokenParam = `&pagination_token=${page.meta.next_token}`;
    }
    const truth = sim
      .truth({ clientId: 'client-001', platform: 'x', resourceType: 'mentions' })
      .map((t) => t.itemId);
    expect(seen.length).toBeGreaterThan(10);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...truth].sort());
  });

  it('rejects bad parameters with the invalid-request body', async () => {
    const { sim, token, userId } = await start();
    const res = await call(sim.url, `/2/users/${userId}/mentions?max_results=0`, auth(token));
    expect(res.status).toBe(400);
    expect(res.body).toEqual(loadFixture('x', 'error.400-invalid-param.json').body);
    const unknown = await call(sim.url, `/2/users/${userId}/mentions?next_token=abc`, auth(token));
    expect(unknown.status).toBe(400);
    const mixed = await call(
      sim.url,
      `/2/users/${userId}/mentions?since_id=1&start_time=2026-01-01T00:00:00Z`,
      auth(token),
    );
    expect(mixed.status).toBe(400);
  });
});

describe('X replies (recent search)', () => {
  it('lists a conversation newest first in the documented shape', async () => {
    const { sim, clock, token } = await start();
    clock.advance(3_600_000);
    const replies = sim.world.resources('client-001').filter((r) => r.resourceType === 'replies');
    const counts = replies.map(
      (r) => sim.truth({ resourceType: 'replies', resourceId: r.resourceId! }).length,
    );
    const busiest = replies[counts.indexOf(Math.max(...counts))]!.resourceId!;
    const res = await call(
      sim.url,
      `/2/tweets/search/recent?query=conversation_id:${busiest}&tweet.fields=conversation_id,in_reply_to_user_id,referenced_tweets&max_results=100`,
      auth(token),
    );
    const body = res.body as Page;
    const fixture = loadFixture('x', 'reply.documented-conversation.json');
    const { edit_history_tweet_ids: _e, ...first } = body.data![0] as unknown as Record<
      string,
      unknown
    >;
    expect(shapeOf({ data: [first], meta: { ...body.meta, next_token: undefined } })).toEqual(
      shapeOf({
        ...(fixture.body as object),
        meta: { ...(fixture.body as Page).meta, next_token: undefined },
      }),
    );
    expect(body.data!.length).toBe(Math.max(...counts));
  });

  it('returns nothing for an unknown conversation and 400 for a since_id older than 7 days', async () => {
    const { sim, token } = await start();
    const res = await call(
      sim.url,
      '/2/tweets/search/recent?query=conversation_id:123',
      auth(token),
    );
    expect(res.body).toEqual({ meta: { result_count: 0 } });
    const old = await call(
      sim.url,
      '/2/tweets/search/recent?query=conversation_id:123&since_id=1500000000000000000',
      auth(token),
    );
    expect(old.status).toBe(400);
  });
});

describe('X DMs', () => {
  it('lists DM events newest first with requested fields, and refuses app-only tokens', async () => {
    const { sim, clock, token } = await start();
    clock.advance(4 * 3_600_000);
    const res = await call(
      sim.url,
      '/2/dm_events?dm_event.fields=id,text,event_type,created_at,sender_id,dm_conversation_id',
      auth(token),
    );
    const body = res.body as { data: Record<string, unknown>[]; meta: Record<string, unknown> };
    expect(body.data.length).toBe(
      sim.truth({ clientId: 'client-001', resourceType: 'dms' }).length,
    );
    expect(Object.keys(body.data[0]!).sort()).toEqual([
      'created_at',
      'dm_conversation_id',
      'event_type',
      'id',
      'sender_id',
      'text',
    ]);
    expect(res.headers.get('x-rate-limit-limit')).toBe('15');
    const app = await call(sim.url, '/2/dm_events', auth(sim.world.xAppToken));
    expect(app.status).toBe(403);
  });
});

describe('X rate limits', () => {
  it('allows the last request, refuses the next with 429, and resets at x-rate-limit-reset', async () => {
    const { sim, clock, token, userId } = await start({
      rateLimits: { x: { mentions: { app: 5, user: 3 } } },
    });
    const path = `/2/users/${userId}/mentions`;
    const first = await call(sim.url, path, auth(token));
    const reset = Number(first.headers.get('x-rate-limit-reset'));
    expect(reset).toBe((START + 900_000) / 1000);
    clock.advance(1000);
    await call(sim.url, path, auth(token));
    const last = await call(sim.url, path, auth(token));
    expect(last.status).toBe(200);
    expect(last.headers.get('x-rate-limit-remaining')).toBe('0');
    const refused = await call(sim.url, path, auth(token));
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(loadFixture('x', 'error.429-observed.json').body);
    expect(refused.headers.get('x-rate-limit-reset')).toBe(String(reset));
    clock.set(reset * 1000 - 1);
    expect((await call(sim.url, path, auth(token))).status).toBe(429);
    clock.set(reset * 1000);
    const again = await call(sim.url, path, auth(token));
    expect(again.status).toBe(200);
    expect(again.headers.get('x-rate-limit-remaining')).toBe('2');
    expect(sim.stats().violations).toBe(2);
    // the app-only token has its own, per-app budget
    const app = await call(sim.url, path, auth(sim.world.xAppToken));
    expect(app.headers.get('x-rate-limit-limit')).toBe('5');
  });

  it('can send the documented 429 body', async () => {
    const { sim, token, userId } = await start({
      rateLimits: { x429Body: 'documented', x: { mentions: { app: 1, user: 1 } } },
    });
    await call(sim.url, `/2/users/${userId}/mentions`, auth(token));
    const refused = await call(sim.url, `/2/users/${userId}/mentions`, auth(token));
    expect(refused.body).toEqual(loadFixture('x', 'error.429-documented.json').body);
  });
});

describe('X auth', () => {
  it('answers 401 for unknown, revoked and expired tokens', async () => {
    const { sim, token, userId } = await start();
    const unauthorized = loadFixture('x', 'error.401-unauthorized.json').body;
    const unknown = await call(sim.url, `/2/users/${userId}/mentions`, auth('nope'));
    expect([unknown.status, unknown.body]).toEqual([401, unauthorized]);
    const missing = await call(sim.url, `/2/users/${userId}/mentions`);
    expect(missing.status).toBe(401);
    sim.world.revoke('client-001', 'x');
    expect((await call(sim.url, `/2/users/${userId}/mentions`, auth(token))).body).toEqual(
      unauthorized,
    );
    const fresh = sim.world.reissue('client-001', 'x');
    expect((await call(sim.url, `/2/users/${userId}/mentions`, auth(fresh))).status).toBe(200);
    sim.world.expire('client-001', 'x');
    expect((await call(sim.url, `/2/users/${userId}/mentions`, auth(fresh))).status).toBe(401);
  });
});

describe('X lookup', () => {
  it('reports unknown posts as partial errors in a 200', async () => {
    const { sim, token } = await start();
    const post = sim.world
      .resources('client-001')
      .find((r) => r.resourceType === 'replies')!.resourceId!;
    const res = await call(sim.url, `/2/tweets?ids=${post},456`, auth(token));
    expect(res.status).toBe(200);
    const body = res.body as { data: Record<string, unknown>[]; errors: unknown[] };
    const data = body.data.map(({ edit_history_tweet_ids: _e, ...rest }) => rest);
    expect(shapeOf({ ...body, data })).toEqual(
      shapeOf(loadFixture('x', 'lookup.200-partial-errors.json').body),
    );
    sim.world.deletePost('x', post);
    const gone = await call(sim.url, `/2/tweets/${post}`, auth(token));
    expect((gone.body as { errors: unknown[] }).errors).toHaveLength(1);
  });
});
