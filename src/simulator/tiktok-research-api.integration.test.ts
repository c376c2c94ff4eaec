import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/clock.js';
import { call, loadFixture, shapeOf } from '../../test/helpers/simulator.js';
import { startSimulator, type Simulator, type SimulatorOptions } from './server.js';

const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const FIELDS = 'id,video_id,text,like_count,reply_count,parent_comment_id,create_time';
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(
  options: SimulatorOptions = {},
): Promise<{ sim: Simulator; clock: ManualClock; video: string }> {
  const clock = new ManualClock(START);
  sim = await startSimulator({ clock, seed: 'research', clients: 1, ...options });
  clock.advance(3 * 3_600_000);
  const videos = sim.world.resources().filter((r) => r.platform === 'tiktok');
  const sizes = videos.map((v) => sim!.truth({ resourceId: v.resourceId! }).length);
  return { sim, clock, video: videos[sizes.indexOf(Math.max(...sizes))]!.resourceId! };
}

function post(
  s: Simulator,
  video: string,
  cursor: number,
  fields = FIELDS,
  token = s.world.tiktokResearchToken,
) {
  return call(
    s.url,
    `/v2/research/video/comment/list/?fields=${fields}`,
    { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    { method: 'POST', body: `{"video_id": ${video}, "max_count": 20, "cursor": ${cursor}}` },
  );
}

describe('TikTok Research comment list', () => {
  it('answers the documented shape with int64 ids as bare numbers, walking every comment once', async () => {
    const { sim, video } = await start();
    const first = await post(sim, video, 0);
    expect(first.status).toBe(200);
    expect(shapeOf(first.body)).toEqual(
      shapeOf(loadFixture('tiktok', 'research-comments.documented.json').body),
    );
    expect(first.text).toContain(`"video_id":${video}`);
    expect(first.text).toContain(`"parent_comment_id":${video}`);
    const ids: string[] = [];
    for (let cursor = 0; ;) {
      const res = await post(sim, video, cursor);
      ids.push(...[...res.text.matchAll(/"id":([0-9]+)/g)].map((m) => m[1]!));
      const data = (res.body as { data: { cursor: number; has_more: boolean } }).data;
      cursor = data.cursor;
      if (!data.has_more) break;
    }
    expect(ids.sort()).toEqual(
      sim
        .truth({ resourceId: video })
        .map((t) => t.itemId)
        .sort(),
    );
    expect(BigInt(ids[0]!) > 2n ** 53n).toBe(true);
  });

  it('returns only the requested fields', async () => {
    const { sim, video } = await start();
    const res = await post(sim, video, 0, 'id,create_time');
    const comments = (res.body as { data: { comments: Record<string, unknown>[] } }).data.comments;
    expect(Object.keys(comments[0]!).sort()).toEqual(['create_time', 'id']);
  });

  it('refuses bad tokens with 401 and ends the daily quota with the documented 429', async () => {
    const { sim, clock, video } = await start({ rateLimits: { tiktokResearchPerDay: 2 } });
    expect((await post(sim, video, 0, FIELDS, 'clt.nope')).status).toBe(401);
    expect((await post(sim, video, 0)).status).toBe(200);
    expect((await post(sim, video, 0)).status).toBe(200);
    const refused = await post(sim, video, 0);
    expect(refused.status).toBe(429);
    expect(shapeOf(refused.body)).toEqual(
      shapeOf(loadFixture('tiktok', 'research-error.429.json').body),
    );
    clock.set(Date.UTC(2026, 2, 2));
    expect((await post(sim, video, 0)).status).toBe(200);
  });
});
