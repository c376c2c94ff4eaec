/** Shared benchmark plumbing: a Redis to run against (REDIS_URL or a private one). */
import { startPrivateRedis } from '../src/runtime/private-redis.js';

/** A Redis URL for a benchmark and a function that releases it. */
export async function benchRedis(): Promise<{ url: string; release: () => Promise<void> }> {
  const given = process.env.REDIS_URL;
  if (given) return { url: given, release: async () => {} };
  const server = await startPrivateRedis();
  return { url: server.url, release: () => server.stop() };
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
