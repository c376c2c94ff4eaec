import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { REDIS_INSTALL_HINT, startPrivateRedis } from '../../src/runtime/private-redis.js';

describe('startPrivateRedis', () => {
  it('starts a throw-away redis-server that answers, and stops it', async () => {
    const server = await startPrivateRedis();
    const client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
      await server.stop();
    }
    await server.stop();
  });

  it('says what to install when redis-server is not on PATH', async () => {
    await expect(startPrivateRedis({ binary: 'redis-server-that-does-not-exist' })).rejects.toThrow(
      REDIS_INSTALL_HINT,
    );
  });

  it('reports a server that exits at once', async () => {
    await expect(startPrivateRedis({ binary: 'false' })).rejects.toThrow(/exited early/);
  });
});
