import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/clock.js';
import { call, loadFixture, shapeOf } from '../../test/helpers/simulator.js';
import { startSimulator, type Simulator, type SimulatorOptions } from './server.js';

const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const PATH = '/open_api/v1.3/business/comment/list/';
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<{
  sim: Simulator;
  clock: ManualClock;
  token: string;
  businessId: string;
  video: string;
}> {
  const clock = new ManualClock(START);
  sim = await startSimulator({ clock, seed: 'tt-test', clients: 2, ...options });
  const cred = sim.world
    .credentials()
    .find((c) => c.platform === 'tiktok' && c.clientId === 'client-001')!;
  clock.advance(3 * 3_600_000);
  const videos = sim.world.resources('client-001').filter((r) => r.platform === 'tiktok');
  const counts = videos.map((v) => sim!.truth({ resourceId: v.resourceId! }).length);
  const video = videos[counts.indexOf(Math.max(...counts))]!.resourceId!;
  return { sim, clock, token: cred.accessToken, businessId: cred.accountId, video };
}

interface TikTokPage {
  code: number;
  data: {
    comments: { comment_id: string; create_time: string }[];
    cursor: number;
    has_more: boolean;
  };
}

describe('TikTok business comment list', () => {
  it('answers in the recorded shape', async () => {
    const { sim, token, businessId, video } = await start();
    const res = await call(sim.url, `${PATH}?business_id=${businessId}&video_id=${video}`, {
      'Access-Token': token,
    });
    expect(res.status).toBe(200);
    expect(shapeOf(res.body)).toEqual(
      shapeOf(loadFixture('tiktok', 'business-comment-list.recorded-2022.json').body),
    );
  });

  it('walks every comment exactly once by cursor, unsorted by default and sorted on request', async () => {
    const { sim, token, businessId, video } = await start();
    const walk = async (extra: string): Promise<TikTokPage['data']['comments']> => {
      const out: TikTokPage['data']['comments'] = [];
      let cursor = 0;
      for (let i = 0; i < 200; i++) {
        const page = (
          await call(
            sim.url,
            `${PATH}?business_id=${businessId}&video_id=${video}&max_count=30&cursor=${cursor}${extra}`,
            { 'Access-Token': token },
          )
        ).body as TikTokPage;
        out.push(...page.data.comments);
        cursor = page.data.cursor;
        if (!page.data.has_more) break;
      }
      return out;
    };
    const truth = sim
      .truth({ resourceId: video })
      .map((t) => t.itemId)
      .sort();
    expect(truth.length).toBeGreaterThan(30);
    const random = await walk('');
    expect(random.map((c) => c.comment_id).sort()).toEqual(truth);
    const times = random.map((c) => Number(c.create_time));
    expect([...times].sort((a, b) => b - a)).not.toEqual(times);
    const sorted = await walk('&sort_field=create_time&sort_order=desc');
    expect(sorted.map((c) => c.comment_id).sort()).toEqual(truth);
    const sortedTimes = sorted.map((c) => Number(c.create_time));
    expect([...sortedTimes].sort((a, b) => b - a)).toEqual(sortedTimes);
  });

  it('rejects max_count above 30 and unknown videos with a non-zero code', async () => {
    const { sim, token, businessId, video } = await start();
    const big = (
      await call(sim.url, `${PATH}?business_id=${businessId}&video_id=${video}&max_count=31`, {
        'Access-Token': token,
      })
    ).body as TikTokPage;
    expect(big.code).toBe(40002);
    const unknown = (
      await call(sim.url, `${PATH}?business_id=${businessId}&video_id=123`, {
        'Access-Token': token,
      })
    ).body as TikTokPage;
    expect(unknown.code).toBe(40002);
  });

  it('answers 40105 for bad, Bearer-prefixed, revoked and expired tokens', async () => {
    const { sim, token, businessId, video } = await start();
    const url = `${PATH}?business_id=${businessId}&video_id=${video}`;
    const revokedBody = loadFixture('tiktok', 'business-error.40105-token-revoked.json').body;
    expect((await call(sim.url, url, { 'Access-Token': 'nope' })).body).toEqual(revokedBody);
    expect((await call(sim.url, url, { 'Access-Token': `Bearer ${token}` })).body).toEqual(
      revokedBody,
    );
    expect((await call(sim.url, url)).body).toEqual(revokedBody);
    sim.world.revoke('client-001', 'tiktok');
    const res = await call(sim.url, url, { 'Access-Token': token });
    expect([res.status, res.body]).toEqual([200, revokedBody]);
  });

  it('limits requests per account per minute with 40100 and a cool-down', async () => {
    const { sim, clock, token, businessId, video } = await start({
      rateLimits: { tiktok: { app: 100, user: 3 }, tiktokCooldownMs: 300_000 },
    });
    const url = `${PATH}?business_id=${businessId}&video_id=${video}`;
    const t0 = clock.now();
    for (let i = 0; i < 3; i++)
      expect(((await call(sim.url, url, { 'Access-Token': token })).body as TikTokPage).code).toBe(
        0,
      );
    const refused = await call(sim.url, url, { 'Access-Token': token });
    expect(refused.status).toBe(200);
    expect(shapeOf(refused.body)).toEqual(
      shapeOf(loadFixture('tiktok', 'business-error.40100-rate-limited.json').body),
    );
    clock.set(t0 + 60_000);
    expect(((await call(sim.url, url, { 'Access-Token': token })).body as TikTokPage).code).toBe(
      40100,
    );
    clock.set(t0 + 300_000 - 1);
    expect(((await call(sim.url, url, { 'Access-Token': token })).body as TikTokPage).code).toBe(
      40100,
    );
    clock.set(t0 + 300_000);
    expect(((await call(sim.url, url, { 'Access-Token': token })).body as TikTokPage).code).toBe(0);
    expect(sim.stats().violations).toBe(3);
  });

  it('refuses without cool-down at the window edge when the cool-down is 0', async () => {
    const { sim, clock, token, businessId, video } = await start({
      rateLimits: { tiktok: { app: 100, user: 2 }, tiktokCooldownMs: 0 },
    });
    const url = `${PATH}?business_id=${businessId}&video_id=${video}`;
    const t0 = clock.now();
    await call(sim.url, url, { 'Access-Token': token });
    await call(sim.url, url, { 'Access-Token': token });
    clock.set(t0 + 59_999);
    expect(((await call(sim.url, url, { 'Access-Token': token })).body as TikTokPage).code).toBe(
      40100,
    );
    clock.set(t0 + 60_000);
    expect(((await call(sim.url, url, { 'Access-Token': token })).body as TikTokPage).code).toBe(0);
  });
});
