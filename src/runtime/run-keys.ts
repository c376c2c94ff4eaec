/**
 * Deleting every key of one run (a demo, a test) from a shared Redis, by its key prefix. SCAN with
 * MATCH walks the whole keyspace, so this is for shutdown only, never a hot path; the product's own
 * code never enumerates keys.
 */
import { Redis } from 'ioredis';
import { bullPrefix } from '../worker/jobs.js';

/** The key patterns a runtime with this prefix writes: its own keys and its BullMQ queues'. */
export function runKeyPatterns(prefix: string): string[] {
  return [`${prefix}:*`, `${bullPrefix(prefix)}*`];
}

/** Delete every key of the run with this prefix; returns how many were deleted. */
export async function deleteRunKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    let deleted = 0;
    for (const pattern of runKeyPatterns(prefix)) {
      // The prefix is letters, digits, "_", "-" and "." (config schema): no glob characters.
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== '0');
    }
    return deleted;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
