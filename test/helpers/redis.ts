/**
 * Per-test-file Redis access for integration tests: a connection to the run's Redis (private or
 * REDIS_URL) and a unique key prefix. `cleanup()` deletes only keys under that prefix.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** Redis URL for this test run. */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A unique key prefix, e.g. `t3f9a1c`. */
export function uniquePrefix(label = 't'): string {
  return `${label}${randomBytes(4).toString('hex')}`;
}

/** A fresh ioredis connection to the test Redis. */
export function connectTestRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: 3, lazyConnect: false });
}

/** Delete every key that starts with `prefix` (SCAN is fine here: tests only, never a hot path). */
/** Delete a test deployment's keys: its own (`<prefix>:…`) and its BullMQ queues' (`{<prefix>:bull}…`). */
export async function deleteDeploymentKeys(redis: Redis, prefix: string): Promise<number> {
  return (
    (await deleteKeysWithPrefix(redis, `${prefix}:`)) +
    (await deleteKeysWithPrefix(redis, `{${prefix}:bull}`))
  );
}

export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
