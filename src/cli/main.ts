/**
 * Command-line entry point. For now: `demo`, the end-to-end slice that exists (registration and due
 * selection on a private Redis). The full CLI lands with the service issue.
 */
import { Redis } from 'ioredis';
import { PollingStateStore } from '../store/polling-state-store.js';
import { startPrivateRedis } from '../runtime/private-redis.js';

async function demo(): Promise<void> {
  const given = process.env.REDIS_URL;
  const server = given ? null : await startPrivateRedis();
  const redis = new Redis(given ?? server!.url);
  const store = new PollingStateStore({ redis, prefix: `demo${process.pid}` });
  try {
    const now = new Date();
    const refs = [
      { clientId: 'acme', platform: 'x', resourceType: 'mentions', resourceId: '2244994945' },
      { clientId: 'acme', platform: 'x', resourceType: 'dms' },
      {
        clientId: 'globex',
        platform: 'tiktok',
        resourceType: 'comments',
        resourceId: '7234567890123456789',
      },
      {
        clientId: 'globex',
        platform: 'linkedin',
        resourceType: 'comments',
        resourceId: 'urn:li:share:6844785523593134080',
      },
    ] as const;
    for (const ref of refs) {
      const { created, state } = await store.register(ref, now);
      console.log(
        `${created ? 'registered' : 'exists    '} ${state.platform}/${state.resourceType} ${state.resourceId ?? ''} -> ${state.id}`,
      );
    }
    for (const platform of ['x', 'linkedin', 'tiktok'] as const) {
      const claimed = await store.claimDue({ platform, now, leaseMs: 60_000 });
      console.log(`${platform}: claimed ${claimed.length} due state(s)`);
    }
  } finally {
    for (const p of store.keys.allPartitions()) {
      const keys = await redis.keys(`${store.keys.base(p)}:*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
    await server?.stop();
  }
}

const command = process.argv[2];
if (command === 'demo') {
  await demo();
} else {
  console.error('usage: engagement-poller demo');
  process.exit(2);
}
