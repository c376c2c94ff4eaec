import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/clock.js';
import { call } from '../../test/helpers/simulator.js';
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
  mentions: string;
  x: Record<string, string>;
  tiktok: string;
  tiktokHeaders: Record<string, string>;
  linkedin: string;
  linkedinHeaders: Record<string, string>;
}

async function start(options: SimulatorOptions = {}): Promise<Setup> {
  const clock = new ManualClock(START);
  sim = await startSimulator({ clock, seed: 'fault-test', clients: 1, ...options });
  clock.advance(3_600_000);
  const creds = sim.world.credentials();
  const token = (p: string): string => creds.find((c) => c.platform === p)!.accessToken;
  const client = sim.world.client('client-001')!;
  const videos = sim.world.resources().filter((r) => r.platform === 'tiktok');
  const sizes = videos.map((v) => sim!.truth({ resourceId: v.resourceId! }).length);
  const video = videos[sizes.indexOf(Math.max(...sizes))]!.resourceId!;
  const post = sim.world
    .resources()
    .find((r) => r.platform === 'linkedin' && r.resourceType === 'comments')!.resourceId!;
  return {
    sim,
    clock,
    mentions: `/2/users/${client.x.userId}/mentions`,
    x: { authorization: `Bearer ${token('x')}` },
    tiktok: `/open_api/v1.3/business/comment/list/?business_id=${client.tiktok.businessId}&video_id=${video}`,
    tiktokHeaders: { 'Access-Token': token('tiktok') },
    linkedin: `/rest/socialActions/${encodeURIComponent(post)}/comments`,
    linkedinHeaders: {
      authorization: `Bearer ${token('linkedin')}`,
      'LinkedIn-Version': '202602',
      'X-Restli-Protocol-Version': '2.0.0',
    },
  };
}

interface XPage {
  data?: { id: string }[];
  meta: { newest_id?: string; next_token?: string };
}

describe('simulator faults', () => {
  it('answers 5xx on each platform when injected, and counts it as a request', async () => {
    const s = await start();
    s.sim.faults.inject({ kind: '5xx', count: 3 });
    expect((await call(s.sim.url, s.mentions, s.x)).status).toBe(503);
    expect((await call(s.sim.url, s.tiktok, s.tiktokHeaders)).status).toBe(500);
    expect((await call(s.sim.url, s.linkedin, s.linkedinHeaders)).status).toBe(500);
    expect((await call(s.sim.url, s.mentions, s.x)).status).toBe(200);
    expect(s.sim.stats().byOutcome.fault_5xx).toBe(3);
  });

  it('sends a malformed body when injected', async () => {
    const s = await start();
    s.sim.faults.inject({ kind: 'malformed', platform: 'tiktok' });
    const res = await call(s.sim.url, s.tiktok, s.tiktokHeaders);
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    expect(() => JSON.parse(res.text) as unknown).toThrow();
  });

  it('never answers a hung request (the client times out)', async () => {
    const s = await start();
    s.sim.faults.inject({ kind: 'hang', platform: 'x' });
    await expect(
      fetch(`${s.sim.url}${s.mentions}`, { headers: s.x, signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    expect((await call(s.sim.url, s.mentions, s.x)).status).toBe(200);
  });

  it('adds latency', async () => {
    const s = await start({ faults: { latencyMs: 60 } });
    const t0 = performance.now();
    await call(s.sim.url, s.mentions, s.x);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
  });

  it('serves 5xx at the configured rate, reproducibly for a seed', async () => {
    const statuses = async (): Promise<number[]> => {
      const s = await start({ faults: { serverErrorRate: 0.3 } });
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await call(s.sim.url, s.mentions, s.x)).status);
      await s.sim.close();
      sim = undefined;
      return out;
    };
    const first = await statuses();
    expect(first.filter((s) => s === 503).length).toBeGreaterThan(4);
    expect(first.filter((s) => s === 503).length).toBeLessThan(25);
    expect(await statuses()).toEqual(first);
  });

  it('indexes some X items late: they appear after newer ones, with a lower id', async () => {
    const s = await start({
      faults: { lateIndexRate: 0.3, lateIndexDelayMs: 1_800_000 },
      traffic: { xMentionsPerHour: 300 },
    });
    const before = (await call(s.sim.url, `${s.mentions}?max_results=100`, s.x)).body as XPage;
    const seen = new Set(before.data!.map((d) => d.id));
    const newest = BigInt(before.meta.newest_id!);
    s.clock.advance(1_800_000);
    const after = (
      await call(s.sim.url, `${s.mentions}?max_results=100&until_id=${newest + 1n}`, s.x)
    ).body as XPage;
    const late = after.data!.filter((d) => !seen.has(d.id) && BigInt(d.id) < newest);
    expect(late.length).toBeGreaterThan(0);
    const truth = s.sim.truth({ resourceType: 'mentions' });
    for (const d of late) expect(truth.find((t) => t.itemId === d.id)!.lateIndexed).toBe(true);
  });

  it('deletes an item after serving it; the truth keeps it as published', async () => {
    const s = await start();
    s.sim.faults.inject({ kind: 'delete_after_serve', platform: 'x' });
    const first = (await call(s.sim.url, s.mentions, s.x)).body as XPage;
    const victim = first.data![0]!.id;
    const second = (await call(s.sim.url, s.mentions, s.x)).body as XPage;
    expect(second.data!.map((d) => d.id)).not.toContain(victim);
    const t = s.sim.truth().find((i) => i.itemId === victim)!;
    expect(t.deletedAtMs).toBe(s.clock.now());
    expect(t.firstServedAtMs).toBe(s.clock.now());
  });

  it('repeats an item on the next page when injected', async () => {
    const s = await start();
    s.sim.faults.inject({ kind: 'duplicate', platform: 'x' });
    const p1 = (await call(s.sim.url, `${s.mentions}?max_results=5`, s.x)).body as XPage;
    const p2 = (
      await call(
        s.sim.url,
        `${s.mentions}?max_results=5&pagination_token=${p1.meta.next_token}`,
        s.x,
      )
    ).body as XPage;
    expect(p2.data![0]!.id).toBe(p1.data![4]!.id);
    s.sim.faults.inject({ kind: 'duplicate', platform: 'tiktok' });
    const t1 = (await call(s.sim.url, `${s.tiktok}&max_count=5`, s.tiktokHeaders)).body as {
      data: { cursor: number };
    };
    expect(t1.data.cursor).toBe(4);
  });
});

describe('simulator ground truth and determinism', () => {
  it('builds the same world and traffic for the same seed, however time is split', async () => {
    const a = await start({ seed: 'same', clients: 3 });
    a.clock.advance(2 * 3_600_000);
    const truthA = a.sim.truth();
    const credsA = a.sim.world.credentials();
    await a.sim.close();
    const b = await start({ seed: 'same', clients: 3 });
    for (let i = 0; i < 120; i++) {
      b.clock.advance(60_000);
      b.sim.sync();
    }
    expect(b.sim.truth()).toEqual(truthA);
    expect(b.sim.world.credentials()).toEqual(credsA);
    await b.sim.close();
    const c = await start({ seed: 'other', clients: 3 });
    c.clock.advance(2 * 3_600_000);
    expect(c.sim.truth()).not.toEqual(truthA);
  });

  it('skews activity: a few hot posts get most replies', async () => {
    const s = await start({ clients: 4, postsPerClient: 20, traffic: { xRepliesPerHour: 400 } });
    s.clock.advance(2 * 3_600_000);
    const counts = new Map<string, number>();
    for (const t of s.sim.truth({ resourceType: 'replies' }))
      counts.set(t.resourceId!, (counts.get(t.resourceId!) ?? 0) + 1);
    const sorted = [...counts.values()].sort((x, y) => y - x);
    const total = sorted.reduce((x, y) => x + y, 0);
    const top = sorted.slice(0, Math.ceil(sorted.length / 10)).reduce((x, y) => x + y, 0);
    expect(top / total).toBeGreaterThan(0.25);
  });

  it('serves truth, requests, resources and credentials over HTTP and takes run-time controls', async () => {
    const s = await start();
    const res = (await call(s.sim.url, '/_sim/resources?clientId=client-001')).body as {
      resources: unknown[];
    };
    expect(res.resources).toEqual(s.sim.world.resources('client-001'));
    const creds = (await call(s.sim.url, '/_sim/credentials')).body as {
      credentials: unknown[];
      xAppToken: string;
    };
    expect(creds.credentials).toHaveLength(3);
    await call(s.sim.url, s.mentions, s.x);
    const truth = (await call(s.sim.url, '/_sim/truth?platform=x&resourceType=mentions')).body as {
      items: { eventId: string; itemId: string; clientId: string }[];
    };
    expect(truth.items.length).toBeGreaterThan(0);
    const first = truth.items[0]!;
    expect(first.eventId).toBe(`x:${first.clientId}:mentions:${first.itemId}`);
    const post = (path: string, body: unknown): Promise<unknown> =>
      call(
        s.sim.url,
        path,
        { 'content-type': 'application/json' },
        { method: 'POST', body: JSON.stringify(body) },
      );
    await post('/_sim/advance', { byMs: 60_000 });
    expect(s.clock.now()).toBe(START + 3_600_000 + 60_000);
    await post('/_sim/revoke', { clientId: 'client-001', platform: 'x' });
    expect((await call(s.sim.url, s.mentions, s.x)).status).toBe(401);
    await post('/_sim/faults', { inject: { kind: '5xx', platform: 'tiktok' } });
    expect((await call(s.sim.url, s.tiktok, s.tiktokHeaders)).status).toBe(500);
    const requests = (await call(s.sim.url, '/_sim/requests')).body as {
      stats: { total: number; violations: number };
      entries: { outcome: string }[];
    };
    expect(requests.stats.total).toBe(3);
    expect(requests.stats.violations).toBe(0);
    expect(requests.entries.map((e) => e.outcome)).toEqual(['ok', 'auth', 'fault_5xx']);
  });
});
