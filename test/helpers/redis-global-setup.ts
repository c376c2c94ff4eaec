/**
 * Vitest global setup for integration tests: use `REDIS_URL` when it is set, otherwise start a
 * private `redis-server` from PATH on a free port in a temporary directory (never the machine's
 * shared Redis), and stop it when the run ends.
 */
import type { TestProject } from 'vitest/node';
import { startPrivateRedis } from '../../src/runtime/private-redis.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.REDIS_URL;
  if (given) {
    project.provide('redisUrl', given);
    return async () => {};
  }
  const redis = await startPrivateRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
