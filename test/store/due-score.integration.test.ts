import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updatePollingState } from '../../src/domain/polling-state.js';
import { PollingStateStore } from '../../src/store/polling-state-store.js';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../helpers/redis.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
let redis: Redis;
let store: PollingStateStore;

beforeAll(() => {
  redis = connectTestRedis();
  store = new PollingStateStore({ redis, prefix: uniquePrefix(), partitions: 4 });
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, `${store.keys.prefix}:`);
  await redis.quit();
});

describe('PollingStateStore.getDueScore', () => {
  it('reads the due score, follows a claim, and is null once the state is not schedulable', async () => {
    const { state } = await store.register(
      { clientId: 'due_c1', platform: 'x', resourceType: 'mentions', resourceId: '7' },
      NOW,
    );
    expect(await store.getDueScore(state)).toBe(NOW.getTime());
    await store.claimDue({ platform: 'x', now: NOW, leaseMs: 60_000 });
    expect(await store.getDueScore(state)).toBe(NOW.getTime() + 60_000);
    await store.save(
      updatePollingState(state, { success: false, error: 'gone', code: 'not_found' }, NOW),
    );
    expect(await store.getDueScore(state)).toBeNull();
    expect(await store.getDueScore({ id: 'nope', platform: 'x' })).toBeNull();
  });
});
