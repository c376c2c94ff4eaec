/**
 * `npm run bench -- store`: due selection with our store (P sorted sets, ZRANGEBYSCORE … LIMIT)
 * against the spec's naive approach (KEYS on all state keys, GET each in one pipeline, JSON.parse
 * without validation, filter in JavaScript), at
 * 10,000 and 100,000 registered states with 1,000 of them due each time.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createPollingState } from '../src/domain/polling-state.js';
import { PollingStateStore } from '../src/store/polling-state-store.js';
import { benchRedis, median } from './common.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DUE = 1000;

async function populate(store: PollingStateStore, from: number, to: number): Promise<void> {
  const chunk = 2000;
  for (let start = from; start < to; start += chunk) {
    const saves: Promise<void>[] = [];
    for (let i = start; i < Math.min(to, start + chunk); i++) {
      const state = createPollingState(
        {
          clientId: `client_${i % 2000}`,
          platform: 'x',
          resourceType: 'replies',
          resourceId: String(10_000 + i),
        },
        NOW,
      );
      // Exactly DUE of all states are due: those with i < DUE. The rest are due in an hour.
      state.nextPollAt =
        i < DUE ? new Date(NOW.getTime() - 1000 - i) : new Date(NOW.getTime() + 3_600_000);
      saves.push(store.save(state));
    }
    await Promise.all(saves);
  }
}

async function timeOurs(store: PollingStateStore): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    const due = await store.getDueForPolling({ platform: 'x', now: NOW, limit: DUE });
    runs.push(performance.now() - t0);
    if (due.length !== DUE) throw new Error(`expected ${DUE} due, got ${due.length}`);
  }
  return median(runs);
}

async function timeNaive(redis: Redis, prefix: string): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const keys = await redis.keys(`${prefix}:*:state:*`);
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.get(key);
    const values = (await pipeline.exec()) ?? [];
    const due = values
      .map(([, v]) => JSON.parse(v as string) as { platform: string; nextPollAt: string })
      .filter((s) => s.platform === 'x' && Date.parse(s.nextPollAt) <= NOW.getTime());
    runs.push(performance.now() - t0);
    if (due.length !== DUE) throw new Error(`naive: expected ${DUE} due, got ${due.length}`);
  }
  return median(runs);
}

/** Runs the benchmark. */
export async function run(): Promise<Record<string, unknown>> {
  const { url, release } = await benchRedis();
  const redis = new Redis(url, { enableAutoPipelining: true });
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const store = new PollingStateStore({ redis, prefix });
  try {
    await populate(store, 0, 10_000);
    await timeOurs(store); // warm-up: JIT and script cache
    const ours10k = await timeOurs(store);
    console.log(`10,000 states, ${DUE} due: ours ${ours10k.toFixed(2)} ms`);
    await populate(store, 10_000, 100_000);
    await timeOurs(store); // the same warm-up as at 10,000
    const ours100k = await timeOurs(store);
    const naive100k = await timeNaive(redis, prefix);
    console.log(
      `100,000 states, ${DUE} due: ours ${ours100k.toFixed(2)} ms, naive KEYS+GET ${naive100k.toFixed(1)} ms`,
    );
    console.log(
      `speedup ${(naive100k / ours100k).toFixed(1)}x; ours 100k/10k = ${(ours100k / ours10k).toFixed(2)}`,
    );
    return {
      bench: 'store',
      ours_ms_10k: round(ours10k),
      ours_ms_100k: round(ours100k),
      baseline_ms_100k: round(naive100k),
      speedup_100k: round(naive100k / ours100k),
    };
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await release();
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;
