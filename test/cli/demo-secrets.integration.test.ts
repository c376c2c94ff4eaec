/**
 * A whole demo run (in-process, short mode, logs at debug level into a buffer): its summary is clean,
 * and no Redis key of the run and no log line holds any of the simulated clients' tokens. Afterwards
 * the run's keys are gone.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { runDemo } from '../../src/cli/commands/demo.js';
import { testRedisUrl } from '../helpers/redis.js';

/** Every value of a key, as text, whatever its type. */
async function readKey(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    case 'none':
      return '';
    default:
      throw new Error(`unexpected key type ${type} of ${key}`);
  }
}

async function scanAll(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

describe('demo run', () => {
  it(
    'leaves no token in any Redis key or log line, and deletes its keys',
    { timeout: 60_000 },
    async () => {
      let logs = '';
      const logDestination = new Writable({
        write(chunk: Buffer, _enc, done) {
          logs += chunk.toString();
          done();
        },
      });
      const out: string[] = [];
      let scanned: { keys: number; hits: string[]; tokens: number; prefix: string } | null = null;
      const summary = await runDemo({
        io: { env: {}, out: (t) => void out.push(t), err: (t) => void out.push(t), isTTY: true },
        redisUrl: testRedisUrl(),
        short: true,
        logLevel: 'debug',
        logDestination,
        beforeCleanup: async ({ redisUrl, prefix, tokens }) => {
          const redis = new Redis(redisUrl);
          const keys = [
            ...(await scanAll(redis, `${prefix}:*`)),
            ...(await scanAll(redis, `{${prefix}:bull}*`)),
          ];
          const hits: string[] = [];
          for (const key of keys) {
            const text = key + (await readKey(redis, key));
            for (const token of tokens) if (text.includes(token)) hits.push(key);
          }
          for (const token of tokens) if (logs.includes(token)) hits.push('(log)');
          scanned = { keys: keys.length, hits, tokens: tokens.length, prefix };
          await redis.quit();
        },
      });

      expect(summary).toMatchObject({
        lost: 0,
        duplicated: 0,
        unknown: 0,
        overLimit: 0,
        isOk: true,
      });
      expect(summary.published).toBeGreaterThan(0);
      expect(scanned).not.toBeNull();
      const s = scanned!;
      expect(s.tokens).toBeGreaterThan(10);
      expect(s.keys).toBeGreaterThan(20); // states, indexes, ledgers, outbox, limiter, queue
      // The lines that could carry a token: start-up, and failed polls (the demo injects 5xx answers
      // and cut-off bodies, whose messages quote the platform's answer).
      expect(logs).toContain('engagement-poller started');
      expect(logs).toContain('poll failed');
      expect(s.hits).toEqual([]);

      // The terminal display redraws in place and ends with the summary.
      const text = out.join('');
      expect(text).toContain('\x1b[');
      expect(text).toContain('OK: every published item was emitted exactly once');

      const redis = new Redis(testRedisUrl());
      expect(await scanAll(redis, `${s.prefix}:*`)).toEqual([]);
      expect(await scanAll(redis, `{${s.prefix}:bull}*`)).toEqual([]);
      await redis.quit();
    },
  );
});
