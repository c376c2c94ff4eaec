import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/clock.js';
import { call, loadFixture, shapeOf } from '../../test/helpers/simulator.js';
import { startSimulator, type Simulator, type SimulatorOptions } from './server.js';

const START = Date.UTC(2026, 2, 1, 12, 0, 0);
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Setup {
  sim: Simulator;
  clock: ManualClock;
  headers: Record<string, string>;
  post: string;
  org: string;
}

async function start(options: SimulatorOptions = {}): Promise<Setup> {
  const clock = new ManualClock(START);
  sim = await startSimulator({ clock, seed: 'li-test', clients: 2, ...options });
  const cred = sim.world
    .credentials()
    .find((c) => c.platform === 'linkedin' && c.clientId === 'client-001')!;
  clock.advance(6 * 3_600_000);
  const posts = sim.world
    .resources('client-001')
    .filter((r) => r.platform === 'linkedin' && r.resourceType === 'comments');
  const counts = posts.map((p) => sim!.truth({ resourceId: p.resourceId! }).length);
  return {
    sim,
    clock,
    headers: {
      authorization: `Bearer ${cred.accessToken}`,
      'LinkedIn-Version': '202602',
      'X-Restli-Protocol-Version': '2.0.0',
    },
    post: posts[counts.indexOf(Math.max(...counts))]!.resourceId!,
    org: sim.world.client('client-001')!.linkedin.organizationUrn,
  };
}

interface Paged {
  paging: { start: number; count: number; total: number; links: unknown[] };
  elements: Record<string, unknown>[];
}

const commentsPath = (urn: string, query = ''): string =>
  `/rest/socialActions/${encodeURIComponent(urn)}/comments${query}`;

describe('LinkedIn comments', () => {
  it('answers in the recorded shape, newest first', async () => {
    const { sim, headers, post } = await start();
    const res = await call(sim.url, commentsPath(post, '?start=0&count=100'), headers);
    expect(res.status).toBe(200);
    const body = res.body as Paged;
    const fixture = loadFixture('linkedin', 'comments.recorded-2023.json').body as Paged;
    expect(shapeOf({ ...body, elements: [] })).toEqual(shapeOf({ ...fixture, elements: [] }));
    const member = body.elements.find(
      (e) => 'likesSummary' in e && !Object.hasOwn(e.created as object, 'impersonator'),
    );
    if (member) expect(shapeOf(member)).toEqual(shapeOf(fixture.elements[0]));
    const byOrg = body.elements.find(
      (e) => !('likesSummary' in e) && Object.hasOwn(e.created as object, 'impersonator'),
    );
    if (byOrg) expect(shapeOf(byOrg)).toEqual(shapeOf(fixture.elements[1]));
    const times = body.elements.map((e) => (e.created as { time: number }).time);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(body.paging.total).toBe(sim.truth({ resourceId: post }).length);
  });

  it('walks every comment exactly once with start/count until paging.total', async () => {
    const { sim, headers, post } = await start();
    const seen: string[] = [];
    for (let start = 0; ; start += 7) {
      const page = (await call(sim.url, commentsPath(post, `?start=${start}&count=7`), headers))
        .body as Paged;
      seen.push(...page.elements.map((e) => e.id as string));
      if (start + 7 >= page.paging.total) break;
    }
    expect(seen.length).toBeGreaterThan(7);
    expect(seen.sort()).toEqual(
      sim
        .truth({ resourceId: post })
        .map((t) => t.itemId)
        .sort(),
    );
  });

  it('checks version, protocol, encoding and unknown posts', async () => {
    const { sim, headers, post } = await start();
    const old = await call(sim.url, commentsPath(post), {
      ...headers,
      'LinkedIn-Version': '202402',
    });
    expect(old.status).toBe(426);
    expect(shapeOf(old.body)).toEqual(
      shapeOf(loadFixture('linkedin', 'error.426-version-retired.json').body),
    );
    expect(
      (
        await call(sim.url, commentsPath(post), {
          authorization: headers.authorization!,
          'X-Restli-Protocol-Version': '2.0.0',
        })
      ).status,
    ).toBe(426);
    expect(
      (
        await call(sim.url, commentsPath(post), {
          ...headers,
          'X-Restli-Protocol-Version': '1.0.0',
        })
      ).status,
    ).toBe(400);
    expect((await call(sim.url, `/rest/socialActions/${post}/comments`, headers)).status).toBe(400);
    const unknown = await call(sim.url, commentsPath('urn:li:share:1'), headers);
    expect([unknown.status, (unknown.body as { code: string }).code]).toEqual([
      404,
      'RESOURCE_NOT_FOUND',
    ]);
  });

  it('answers the platform 401 bodies for revoked and expired tokens', async () => {
    const { sim, headers, post } = await start();
    const bad = await call(sim.url, commentsPath(post), {
      ...headers,
      authorization: 'Bearer nope',
    });
    expect(bad.status).toBe(401);
    sim.world.revoke('client-001', 'linkedin');
    expect((await call(sim.url, commentsPath(post), headers)).body).toEqual(
      loadFixture('linkedin', 'error.401-revoked.json').body,
    );
    const fresh = sim.world.reissue('client-001', 'linkedin');
    sim.world.expire('client-001', 'linkedin');
    expect(
      (await call(sim.url, commentsPath(post), { ...headers, authorization: `Bearer ${fresh}` }))
        .body,
    ).toEqual(loadFixture('linkedin', 'error.401-expired.json').body);
  });
});

describe('LinkedIn daily quotas', () => {
  it('refuses the first call over the member quota with a bare 429 until 00:00 UTC', async () => {
    const { sim, clock, headers, post } = await start({
      rateLimits: { linkedin: { app: 100, user: 2 } },
    });
    expect((await call(sim.url, commentsPath(post), headers)).status).toBe(200);
    const last = await call(sim.url, commentsPath(post), headers);
    expect(last.status).toBe(200);
    const refused = await call(sim.url, commentsPath(post), headers);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.headers.get('x-ratelimit-reset')).toBeNull();
    expect(shapeOf(refused.body)).toEqual(
      shapeOf(loadFixture('linkedin', 'error.429-day-limit.json').body),
    );
    const midnight = Date.UTC(2026, 2, 2);
    clock.set(midnight - 1);
    expect((await call(sim.url, commentsPath(post), headers)).status).toBe(429);
    clock.set(midnight);
    expect((await call(sim.url, commentsPath(post), headers)).status).toBe(200);
    expect(sim.stats().violations).toBe(2);
  });

  it('names the application quota when the app budget runs out', async () => {
    const { sim, headers, post } = await start({ rateLimits: { linkedin: { app: 1, user: 10 } } });
    await call(sim.url, commentsPath(post), headers);
    const refused = await call(sim.url, commentsPath(post), headers);
    expect(refused.body).toEqual(loadFixture('linkedin', 'error.429-day-limit.json').body);
  });
});

describe('LinkedIn notifications and inbox', () => {
  it('lists SHARE_MENTION notifications of the organization within the time range', async () => {
    const { sim, headers, org } = await start();
    const res = await call(
      sim.url,
      `/rest/organizationalEntityNotifications?q=criteria&organizationalEntity=${encodeURIComponent(org)}&actions=List(SHARE_MENTION)&timeRange=(start:${START},end:${START + 6 * 3_600_000})&count=100`,
      headers,
    );
    expect(res.status).toBe(200);
    const body = res.body as Paged;
    const truth = sim.truth({ resourceType: 'mentions', resourceId: org }).map((t) => t.itemId);
    expect(body.elements.map((e) => e.generatedActivity).sort()).toEqual(truth.sort());
    expect(Object.keys(body.elements[0]!).sort()).toEqual([
      'action',
      'decoratedGeneratedActivity',
      'generatedActivity',
      'lastModifiedAt',
      'organizationalEntity',
      'sourcePost',
    ]);
    const other = sim.world.client('client-002')!.linkedin.organizationUrn;
    const denied = await call(
      sim.url,
      `/rest/organizationalEntityNotifications?q=criteria&organizationalEntity=${encodeURIComponent(other)}`,
      headers,
    );
    expect(denied.status).toBe(403);
  });

  it('lists inbox conversations active after createdAfter', async () => {
    const { sim, headers } = await start();
    const res = await call(sim.url, `/rest/conversations?createdAfter=${START}&count=100`, headers);
    const body = res.body as Paged;
    const truth = sim.truth({ clientId: 'client-001', resourceType: 'inbox' }).map((t) => t.itemId);
    expect(body.elements.map((e) => (e.lastMessage as { id: string }).id).sort()).toEqual(
      truth.sort(),
    );
    expect(body.paging.total).toBe(truth.length);
  });
});
