/**
 * Simulator throughput: requests per second served for each platform's main endpoint over
 * keep-alive connections (`--connections N`, default 1; `--seconds S` per platform, default 5).
 * Rate limits are lifted so every answer is a full 200 page.
 */
import { Agent, request } from 'node:http';
import { ManualClock } from '../src/domain/clock.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';

interface Target {
  path: string;
  headers: Record<string, string>;
}

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function get(agent: Agent, url: URL, target: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: target.path, headers: target.headers },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Requests per second over `connections` keep-alive connections. The client runs in the same
 * process (a worker thread measured lower on this 2-core machine), so the figures are a lower
 * bound of what the server alone sustains.
 */
async function measure(
  sim: Simulator,
  targets: Target[],
  seconds: number,
  connections: number,
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(sim.url);
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const worker = async (offset: number): Promise<void> => {
    for (let i = offset; performance.now() < deadline; i += connections) {
      const status = await get(agent, url, targets[i % targets.length]!);
      if (status === 200) done++;
      else failed++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, k) => worker(k)));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  if (failed > 0) throw new Error(`${failed} requests did not answer 200`);
  return Math.round(done / elapsed);
}

/** Run the benchmark; returns `{bench:'simulator', rps_x, rps_linkedin, rps_tiktok, …}`. */
export async function run(argv: string[]): Promise<Record<string, unknown>> {
  const seconds = option(argv, 'seconds', 5);
  const connections = option(argv, 'connections', 1);
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const unlimited = { app: 1e12, user: 1e12 };
  const sim = await startSimulator({
    clock,
    seed: 'bench',
    clients: 50,
    postsPerClient: 10,
    requestLogLimit: 10_000,
    rateLimits: {
      x: { mentions: unlimited, search: unlimited, dmEvents: unlimited, lookup: unlimited },
      linkedin: unlimited,
      tiktok: unlimited,
    },
  });
  try {
    clock.advance(6 * 3_600_000);
    sim.sync();
    const creds = sim.world.credentials();
    const tokenOf = (clientId: string, platform: string): string =>
      creds.find((c) => c.clientId === clientId && c.platform === platform)!.accessToken;
    const x: Target[] = [];
    const linkedin: Target[] = [];
    const tiktok: Target[] = [];
    for (const client of sim.world.clients) {
      const id = client.clientId;
      x.push({
        path: `/2/users/${client.x.userId}/mentions?max_results=100&tweet.fields=created_at,author_id,conversation_id&expansions=author_id`,
        headers: { authorization: `Bearer ${tokenOf(id, 'x')}` },
      });
      const post = client.posts.linkedin[client.posts.linkedin.length - 1]!.id;
      linkedin.push({
        path: `/rest/socialActions/${encodeURIComponent(post)}/comments?start=0&count=50`,
        headers: {
          authorization: `Bearer ${tokenOf(id, 'linkedin')}`,
          'LinkedIn-Version': '202602',
          'X-Restli-Protocol-Version': '2.0.0',
        },
      });
      const video = client.posts.tiktok[client.posts.tiktok.length - 1]!.id;
      tiktok.push({
        path: `/open_api/v1.3/business/comment/list/?business_id=${client.tiktok.businessId}&video_id=${video}&max_count=30&sort_field=create_time&sort_order=desc`,
        headers: { 'Access-Token': tokenOf(id, 'tiktok') },
      });
    }
    await measure(sim, x, 0.5, connections); // warm-up
    const rps_x = await measure(sim, x, seconds, connections);
    const rps_linkedin = await measure(sim, linkedin, seconds, connections);
    const rps_tiktok = await measure(sim, tiktok, seconds, connections);
    const items = sim.truth().length;
    console.log(
      `simulator: ${connections} keep-alive connection(s), ${seconds}s per platform, ${items} items in the world`,
    );
    console.log(`  x mentions (100/page)        ${rps_x} req/s`);
    console.log(`  linkedin comments (50/page)  ${rps_linkedin} req/s`);
    console.log(`  tiktok comments (30/page)    ${rps_tiktok} req/s`);
    return { bench: 'simulator', rps_x, rps_linkedin, rps_tiktok, connections, seconds, items };
  } finally {
    await sim.close();
  }
}
