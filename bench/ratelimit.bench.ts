/**
 * Rate limiter benchmark: grants per second for 1, 4 and 16 concurrent acquirers (each its own
 * limiter instance and Redis connection, like separate worker processes), against `REDIS_URL` or
 * a private redis-server, with real-time 1 s windows. Throughput steps use limits that do not
 * bite; a last step runs 16 acquirers (8 clients) against tight limits (app 2,000/s, account
 * 400/s). Every grant's time is replayed afterwards and `over_limit` counts grants beyond a limit
 * in any window, over all steps (must be 0).
 *
 * Usage: npm run bench -- ratelimit [secondsPerStep=2]
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { systemClock, type Clock } from '../src/domain/clock.js';
import { RedisRateLimiter } from '../src/rate-limit/redis-rate-limiter.js';
import { startPrivateRedis, type PrivateRedis } from '../src/runtime/private-redis.js';

const WINDOW_MS = 1000;

/** Limits per 1 s window: loose ones measure the limiter, tight ones check it under contention. */
interface Limits {
  app: number;
  account: number;
}
const LOOSE: Limits = { app: 1_000_000, account: 1_000_000 };
const TIGHT: Limits = { app: 2_000, account: 400 };

/** A clock that remembers the last time it gave (each acquirer awaits its calls one by one). */
class RecordingClock implements Clock {
  last = 0;
  now(): number {
    this.last = systemClock.now();
    return this.last;
  }
}

function overLimit(times: number[], limit: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let over = 0;
  let start = -Infinity;
  let count = 0;
  for (const t of sorted) {
    if (t >= start + WINDOW_MS) {
      start = t;
      count = 0;
    }
    count++;
    if (count > limit) over++;
  }
  return over;
}

async function step(
  url: string,
  prefix: string,
  acquirers: number,
  durationMs: number,
  limits: Limits,
): Promise<{ grantsPerS: number; attemptsPerS: number; overLimit: number }> {
  const conns = Array.from({ length: acquirers }, () => new Redis(url));
  const appTimes: number[] = [];
  const accountTimes = new Map<string, number[]>();
  let attempts = 0;
  const started = Date.now();
  const deadline = started + durationMs;
  await Promise.all(
    conns.map(async (redis, i) => {
      const clock = new RecordingClock();
      const rl = new RedisRateLimiter({
        redis,
        clock,
        keyPrefix: prefix,
        safetyMargin: 0,
        budgets: {
          x: {
            mentions: {
              app: { limit: limits.app, windowMs: WINDOW_MS, alignment: 'first-request' },
              account: { limit: limits.account, windowMs: WINDOW_MS, alignment: 'first-request' },
            },
          },
        },
      });
      const clientId = `client${i % 8}`;
      const mine = accountTimes.get(clientId) ?? [];
      accountTimes.set(clientId, mine);
      while (Date.now() < deadline) {
        const r = await rl.acquire({ platform: 'x', endpoint: 'mentions', clientId });
        attempts++;
        if (r.kind === 'granted') {
          appTimes.push(clock.last);
          mine.push(clock.last);
        } else if (r.scope === 'unavailable') {
          throw new Error('redis unavailable during benchmark');
        }
      }
    }),
  );
  const elapsedS = (Date.now() - started) / 1000;
  await Promise.all(conns.map((c) => c.quit()));
  let over = overLimit(appTimes, limits.app);
  for (const times of accountTimes.values()) over += overLimit(times, limits.account);
  return {
    grantsPerS: Math.round(appTimes.length / elapsedS),
    attemptsPerS: Math.round(attempts / elapsedS),
    overLimit: over,
  };
}

/** Run the benchmark; resolves to the figures printed as the last line. */
export async function run(argv: string[]): Promise<Record<string, unknown>> {
  const seconds = Number(argv[0] ?? '2');
  const durationMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 2000;
  let privateRedis: PrivateRedis | null = null;
  const url = process.env.REDIS_URL ?? (privateRedis = await startPrivateRedis()).url;
  try {
    const result: Record<string, unknown> = { bench: 'ratelimit' };
    let over = 0;
    const steps: Array<[number, Limits, string]> = [
      [1, LOOSE, 'grants_per_s_1'],
      [4, LOOSE, 'grants_per_s_4'],
      [16, LOOSE, 'grants_per_s_16'],
      [16, TIGHT, 'contended_grants_per_s_16'],
    ];
    for (const [n, limits, label] of steps) {
      const prefix = `bench${randomBytes(4).toString('hex')}`;
      const r = await step(url, prefix, n, durationMs, limits);
      console.log(
        `${label}: ${n} acquirer(s), app ${limits.app}/s, account ${limits.account}/s: ` +
          `${r.grantsPerS} grants/s, ${r.attemptsPerS} attempts/s, over limit ${r.overLimit}`,
      );
      result[label] = r.grantsPerS;
      over += r.overLimit;
      const admin = new Redis(url);
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length > 0) await admin.unlink(...keys);
      await admin.quit();
    }
    result.over_limit = over;
    return result;
  } finally {
    await privateRedis?.stop();
  }
}
