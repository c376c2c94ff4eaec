import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorruptStateError } from '../../src/domain/errors.js';
import {
  createPollingState,
  updatePollingState,
  type PollingState,
} from '../../src/domain/polling-state.js';
import { PollingStateStore } from '../../src/store/polling-state-store.js';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../helpers/redis.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const at = (ms: number): Date => new Date(NOW.getTime() + ms);

let redis: Redis;
const prefixes: string[] = [];

function newStore(
  options: { partitions?: number; onCorrupt?: (err: CorruptStateError) => void } = {},
) {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return new PollingStateStore({ redis, prefix, ...options });
}

beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  for (const p of prefixes) await deleteKeysWithPrefix(redis, `${p}:`);
  await redis.quit();
});

const xMentions = (clientId: string, userId = '42') =>
  createPollingState(
    { clientId, platform: 'x', resourceType: 'mentions', resourceId: userId },
    NOW,
  );

describe('PollingStateStore', () => {
  it('saves and gets a state', async () => {
    const store = newStore();
    const state = createPollingState(
      {
        clientId: 'client_123',
        platform: 'linkedin',
        resourceType: 'comments',
        resourceId: 'urn:li:share:456',
      },
      NOW,
    );
    await store.save(state);
    const retrieved = await store.get(state.id);
    expect(retrieved).toEqual(state);
    expect(await store.exists(state.id)).toBe(true);
    expect(await store.get('0'.repeat(32))).toBeNull();
    expect(await store.get('not-an-id')).toBeNull();
    expect(await store.exists('not-an-id')).toBe(false);
  });

  it('reads back identical states, dates included, after the connection is closed and reopened', async () => {
    const store = newStore();
    let state = xMentions('c_roundtrip');
    state = updatePollingState(
      state,
      { success: true, cursor: '1460323737035677698', itemsFound: 3 },
      at(1234),
    );
    await store.save(state);
    const other = connectTestRedis();
    try {
      const reopened = new PollingStateStore({ redis: other, prefix: store.keys.prefix });
      const back = await reopened.get(state.id);
      expect(back).toEqual(state);
      expect(back?.lastPolledAt).toBeInstanceOf(Date);
      expect(back?.lastPolledAt?.toISOString()).toBe(at(1234).toISOString());
    } finally {
      await other.quit();
    }
  });

  it('lists states by client and platform, never another client’s', async () => {
    const store = newStore();
    for (const id of ['1', '2']) {
      await store.save(
        createPollingState(
          { clientId: 'client_123', platform: 'tiktok', resourceType: 'comments', resourceId: id },
          NOW,
        ),
      );
    }
    await store.save(xMentions('client_123'));
    await store.save(
      createPollingState(
        { clientId: 'client_456', platform: 'tiktok', resourceType: 'comments', resourceId: '3' },
        NOW,
      ),
    );
    const states = await store.listByClientPlatform('client_123', 'tiktok');
    expect(states.map((s) => s.resourceId).sort()).toEqual(['1', '2']);
    expect(states.every((s) => s.clientId === 'client_123')).toBe(true);
    expect(await store.listByClient('client_123')).toHaveLength(3);
    expect(await store.listByClientPlatform('nobody', 'tiktok')).toEqual([]);
  });

  it('refuses a client-scoped read or delete of another client’s state', async () => {
    const store = newStore();
    const mine = xMentions('client_a');
    const theirs = xMentions('client_b');
    await store.save(mine);
    await store.save(theirs);
    expect(await store.getForClient('client_a', mine.id)).toEqual(mine);
    expect(await store.getForClient('client_a', theirs.id)).toBeNull();
    expect(await store.deleteForClient('client_a', theirs.id)).toBe(false);
    expect(await store.exists(theirs.id)).toBe(true);
  });

  it('ignores a foreign state id planted in a client’s index', async () => {
    const store = newStore();
    const mine = xMentions('client_a');
    const theirs = xMentions('client_b');
    await store.save(mine);
    await store.save(theirs);
    await redis.sadd(store.keys.client('client_a'), theirs.id);
    const listed = await store.listByClient('client_a');
    expect(listed.map((s) => s.id)).toEqual([mine.id]);
  });

  it('deletes a state with its indexes', async () => {
    const store = newStore();
    const state = xMentions('client_del');
    await store.save(state);
    await redis.zadd(store.keys.seen(state.id), 1, 'item');
    expect(await store.delete(state.id)).toBe(true);
    expect(await store.get(state.id)).toBeNull();
    expect(await redis.exists(store.keys.seen(state.id))).toBe(0);
    expect(await redis.sismember(store.keys.client('client_del'), state.id)).toBe(0);
    expect(await store.getDueForPolling({ platform: 'x', now: at(1) })).toEqual([]);
    expect(await store.delete(state.id)).toBe(false);
    expect(await store.delete('bad')).toBe(false);
  });

  it('rejects a state with an unknown field (a token in metadata) at save', async () => {
    const store = newStore();
    const state = {
      ...xMentions('client_tok'),
      metadata: { accessToken: 'sekrit' },
    } as unknown as PollingState;
    await expect(store.save(state)).rejects.toThrow(/Unrecognized key|metadata/);
    expect(await store.exists(state.id)).toBe(false);
  });

  it('finds the states due for polling (spec scenario with an interval)', async () => {
    const store = newStore();
    const recent = xMentions('client_123');
    recent.lastPolledAt = NOW;
    const stale = xMentions('client_456');
    stale.lastPolledAt = at(-600_000);
    await store.save(recent);
    await store.save(stale);
    const due = await store.getDueForPolling({ platform: 'x', intervalMs: 300_000, now: NOW });
    expect(due.some((s) => s.id === stale.id)).toBe(true);
    expect(due.some((s) => s.id === recent.id)).toBe(false);
  });

  it('leaves out states at the error threshold when asked, and unscheduled statuses always', async () => {
    const store = newStore();
    let failing = xMentions('c_fail');
    for (let i = 0; i < 5; i++)
      failing = updatePollingState(failing, { success: false, error: 'e' }, NOW);
    failing.nextPollAt = NOW;
    const reauth = updatePollingState(
      xMentions('c_auth'),
      { success: false, error: 'x', code: 'auth' },
      NOW,
    );
    const healthy = xMentions('c_ok');
    for (const s of [failing, reauth, healthy]) await store.save(s);
    const ids = (await store.getDueForPolling({ platform: 'x', now: NOW, maxErrors: 5 })).map(
      (s) => s.id,
    );
    expect(ids).toEqual([healthy.id]);
    const all = (await store.getDueForPolling({ platform: 'x', now: NOW })).map((s) => s.id).sort();
    expect(all).toEqual([failing.id, healthy.id].sort());
  });

  it('returns exactly the 10 due among 10,000 registered', async () => {
    const store = newStore();
    const pipeline = redis.pipeline();
    const dueIds: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const s = xMentions(`client_${i % 500}`, String(1000 + i));
      s.nextPollAt = i % 1000 === 0 ? at(-1000 - i) : at(3_600_000);
      if (i % 1000 === 0) dueIds.push(s.id);
      const k = store.keys.partitionOf(s.id);
      pipeline.set(store.keys.state(s.id), JSON.stringify(s));
      pipeline.zadd(store.keys.due(k, 'x'), s.nextPollAt.getTime(), s.id);
    }
    await pipeline.exec();
    const due = await store.getDueForPolling({ platform: 'x', now: NOW, limit: 100 });
    expect(due.map((s) => s.id).sort()).toEqual(dueIds.sort());
    const limited = await store.getDueForPolling({ platform: 'x', now: NOW, limit: 3 });
    expect(limited).toHaveLength(3);
    expect(await store.getDueForPolling({ platform: 'tiktok', now: NOW })).toEqual([]);
  });

  it('skips a corrupt JSON value under a state key, reporting its key, and keeps the others working', async () => {
    const reports: CorruptStateError[] = [];
    const store = newStore({ onCorrupt: (err) => reports.push(err) });
    const good = xMentions('c_good');
    const bad = xMentions('c_bad');
    await store.save(good);
    await store.save(bad);
    await redis.set(store.keys.state(bad.id), '{"id": oops');
    const due = await store.getDueForPolling({ platform: 'x', now: NOW });
    expect(due.map((s) => s.id)).toEqual([good.id]);
    expect(reports.map((r) => r.key)).toContain(store.keys.state(bad.id));
    expect(reports[0]?.message).toMatch(/not JSON/);
    await expect(store.get(bad.id)).rejects.toMatchObject({
      code: 'corrupt_state',
      key: store.keys.state(bad.id),
    });
    expect(await store.listByClient('c_good')).toHaveLength(1);
    expect(await store.listByClient('c_bad')).toEqual([]);
    // The client's listing still shows it, as corrupt, with where and why.
    expect(await store.listClientStates('c_bad')).toEqual({
      states: [],
      corrupt: [
        {
          stateId: bad.id,
          key: store.keys.state(bad.id),
          reason: expect.stringMatching(/not JSON/) as unknown,
          platform: null,
        },
      ],
    });
  });

  it('lists a corrupt JSON state beside the valid ones, under its platform when it names one', async () => {
    const store = newStore({ onCorrupt: () => undefined });
    const good = xMentions('c_list21');
    const bad = xMentions('c_list21', '43');
    const li = createPollingState(
      { clientId: 'c_list21', platform: 'linkedin', resourceType: 'inbox' },
      NOW,
    );
    for (const s of [good, bad, li]) await store.save(s);
    await redis.set(store.keys.state(bad.id), JSON.stringify({ ...bad, status: 'haunted' }));
    const all = await store.listClientStates('c_list21');
    expect(all.states.map((s) => s.id).sort()).toEqual([good.id, li.id].sort());
    expect(all.corrupt).toEqual([
      {
        stateId: bad.id,
        key: store.keys.state(bad.id),
        reason: expect.stringMatching(/status/) as unknown,
        platform: 'x',
      },
    ]);
    const x = await store.listClientStates('c_list21', 'x');
    expect(x.states.map((s) => s.id)).toEqual([good.id]);
    expect(x.corrupt.map((c) => c.stateId)).toEqual([bad.id]);
    expect((await store.listClientStates('c_list21', 'linkedin')).corrupt).toEqual([]);
  });

  it('quarantines a corrupt state found while claiming, so it is not claimed again', async () => {
    const reports: CorruptStateError[] = [];
    const store = newStore({ onCorrupt: (err) => reports.push(err) });
    const bad = xMentions('c_bad2');
    const good = xMentions('c_good2');
    await store.save(bad);
    await store.save(good);
    await redis.set(store.keys.state(bad.id), JSON.stringify({ ...bad, status: 'haunted' }));
    const claimed = await store.claimDue({ platform: 'x', now: NOW, leaseMs: 1000 });
    expect(claimed.map((c) => c.state.id)).toEqual([good.id]);
    expect(reports[0]?.key).toBe(store.keys.state(bad.id));
    expect(reports[0]?.message).toMatch(/status/);
    expect(await store.listQuarantined()).toEqual([
      { stateId: bad.id, reason: 'stored value is not a valid polling state' },
    ]);
    const again = await store.claimDue({ platform: 'x', now: at(10_000), leaseMs: 1000 });
    expect(again.map((c) => c.state.id)).toEqual([good.id]);
  });

  it('drops due entries whose state was removed behind its back', async () => {
    const store = newStore();
    const s = xMentions('c_gone');
    await store.save(s);
    await redis.del(store.keys.state(s.id));
    expect(await store.claimDue({ platform: 'x', now: NOW, leaseMs: 1000 })).toEqual([]);
    expect(await redis.zcard(store.keys.due(store.keys.partitionOf(s.id), 'x'))).toBe(0);
  });

  it('rejects a state stored under another state’s key', async () => {
    const store = newStore();
    const a = xMentions('c_a');
    const b = xMentions('c_b');
    await store.save(a);
    await redis.set(store.keys.state(b.id), JSON.stringify(a));
    await expect(store.get(b.id)).rejects.toThrow(/holds the state of/);
  });

  describe('register', () => {
    it('creates once; a second registration returns the existing state unchanged', async () => {
      const store = newStore();
      const params = {
        clientId: 'c1',
        platform: 'tiktok',
        resourceType: 'comments',
        resourceId: '77',
      } as const;
      const first = await store.register(params, NOW);
      const second = await store.register(params, at(5000));
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.state).toEqual(first.state);
    });

    it('makes one state from 20 concurrent registrations of one resource', async () => {
      const store = newStore();
      const params = {
        clientId: 'c_conc',
        platform: 'x',
        resourceType: 'replies',
        resourceId: '99',
      } as const;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.register(params, at(i))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.state.id)).size).toBe(1);
      expect(await store.listByClient('c_conc')).toHaveLength(1);
      expect(await redis.zcard(store.keys.due(store.keys.partitionOfClient('c_conc'), 'x'))).toBe(
        1,
      );
    });

    it('rejects an invalid registration naming the field', async () => {
      const store = newStore();
      await expect(
        store.register(
          { clientId: 'c1', platform: 'tiktok', resourceType: 'comments', resourceId: 'video_1' },
          NOW,
        ),
      ).rejects.toThrow(/resourceId: must be a numeric TikTok video id/);
    });
  });

  describe('saveIfVersion', () => {
    it('writes only over the expected version', async () => {
      const store = newStore();
      const s = xMentions('c_ver');
      await store.save(s);
      const next = updatePollingState(s, { success: true, cursor: '5' }, at(1));
      expect(await store.saveIfVersion(next, 0)).toBe('saved');
      const stale = updatePollingState(s, { success: true, cursor: '3' }, at(2));
      expect(await store.saveIfVersion(stale, 0)).toBe('conflict');
      expect((await store.get(s.id))?.cursor).toBe('5');
      expect(await store.saveIfVersion(xMentions('c_nobody'), 0)).toBe('missing');
    });

    it('takes a needs_reauth state out of the due index', async () => {
      const store = newStore();
      const s = xMentions('c_reauth');
      await store.save(s);
      await store.save(
        updatePollingState(s, { success: false, error: 'revoked', code: 'auth' }, NOW),
      );
      expect(await store.getDueForPolling({ platform: 'x', now: at(1e9) })).toEqual([]);
    });
  });

  describe('claimDue', () => {
    it('claims due states once and pushes them out by the lease', async () => {
      const store = newStore();
      const states = ['1', '2', '3'].map((id) => xMentions(`c_claim${id}`, id));
      for (const s of states) await store.save(s);
      const first = await store.claimDue({ platform: 'x', now: NOW, leaseMs: 60_000, limit: 10 });
      expect(first).toHaveLength(3);
      expect(first.every((c) => c.leaseUntilMs === NOW.getTime() + 60_000)).toBe(true);
      expect(await store.claimDue({ platform: 'x', now: at(59_999), leaseMs: 60_000 })).toEqual([]);
      const expired = await store.claimDue({ platform: 'x', now: at(60_000), leaseMs: 60_000 });
      expect(expired).toHaveLength(3);
    });

    it('respects the limit across partitions', async () => {
      const store = newStore({ partitions: 4 });
      for (let i = 0; i < 40; i++) await store.save(xMentions(`c${i}`, String(i + 1)));
      const claimed = await store.claimDue({ platform: 'x', now: NOW, leaseMs: 1000, limit: 25 });
      expect(claimed).toHaveLength(25);
      const rest = await store.claimDue({ platform: 'x', now: NOW, leaseMs: 1000, limit: 100 });
      expect(rest).toHaveLength(15);
      expect(new Set([...claimed, ...rest].map((c) => c.state.id)).size).toBe(40);
    });

    it('never hands out one state twice to two concurrent store instances', async () => {
      const store = newStore();
      const otherConn = connectTestRedis();
      try {
        const other = new PollingStateStore({ redis: otherConn, prefix: store.keys.prefix });
        for (let i = 0; i < 300; i++) await store.save(xMentions(`cc${i % 37}`, String(i + 1)));
        const rounds = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? store : other).claimDue({
              platform: 'x',
              now: NOW,
              leaseMs: 60_000,
              limit: 40,
            }),
          ),
        );
        const ids = rounds.flat().map((c) => c.state.id);
        expect(ids).toHaveLength(300);
        expect(new Set(ids).size).toBe(300);
      } finally {
        await otherConn.quit();
      }
    });

    it('rejects a non-positive lease and a bad limit', async () => {
      const store = newStore();
      await expect(store.claimDue({ platform: 'x', now: NOW, leaseMs: 0 })).rejects.toThrow(
        /leaseMs/,
      );
      await expect(store.getDueForPolling({ platform: 'x', now: NOW, limit: 0 })).rejects.toThrow(
        /limit/,
      );
    });
  });
});

describe('PollingStateStore.deleteForClient with a corrupt value', () => {
  it('deletes the corrupt state of its own client, with its index entry, and never another client’s', async () => {
    const store = newStore({ onCorrupt: () => undefined });
    const s = xMentions('c_corrupt');
    await store.save(s);
    await redis.set(store.keys.state(s.id), 'garbage{not json');
    expect(await store.deleteForClient('c_other', s.id)).toBe(false);
    expect(await redis.exists(store.keys.state(s.id))).toBe(1);
    expect(await store.deleteForClient('c_corrupt', s.id)).toBe(true);
    expect(await redis.exists(store.keys.state(s.id))).toBe(0);
    expect(await redis.sismember(store.keys.client('c_corrupt'), s.id)).toBe(0);
  });
});

/** A state key that someone overwrote with another Redis type (here a hash): WRONGTYPE for GET. */
describe('PollingStateStore with a state key of another Redis type', () => {
  async function hashed(clientId: string, reports: CorruptStateError[] = []) {
    const store = newStore({ onCorrupt: (err) => reports.push(err) });
    const good = xMentions(clientId, '1');
    const bad = xMentions(clientId, '2');
    await store.save(good);
    await store.save(bad);
    await redis.del(store.keys.state(bad.id));
    await redis.hset(store.keys.state(bad.id), 'id', bad.id, 'status', 'active');
    return { store, good, bad, reports };
  }

  it('get and getForClient reject it as corrupt_state naming the key and the type', async () => {
    const { store, bad } = await hashed('c_wt_get');
    const expected = {
      name: 'CorruptStateError',
      code: 'corrupt_state',
      key: store.keys.state(bad.id),
      message: expect.stringMatching(/holds a Redis hash/) as unknown,
    };
    await expect(store.get(bad.id)).rejects.toMatchObject(expected);
    await expect(store.getForClient('c_wt_get', bad.id)).rejects.toMatchObject(expected);
    // Another client still cannot tell it exists.
    expect(await store.getForClient('c_other', bad.id)).toBeNull();
  });

  it('lists it as corrupt (with key and reason), reports it, and keeps the other states', async () => {
    const { store, good, bad, reports } = await hashed('c_wt_list');
    const listing = await store.listClientStates('c_wt_list');
    expect(listing.states.map((s) => s.id)).toEqual([good.id]);
    expect(listing.corrupt).toEqual([
      {
        stateId: bad.id,
        key: store.keys.state(bad.id),
        reason: "holds a Redis hash, not a string with the state's JSON",
        platform: null,
      },
    ]);
    // Its platform is unknown, so a platform filter still shows it.
    expect((await store.listClientStates('c_wt_list', 'tiktok')).corrupt).toHaveLength(1);
    expect(await store.listByClient('c_wt_list')).toEqual([good]);
    expect(reports.map((r) => r.key)).toContain(store.keys.state(bad.id));
    const due = await store.getDueForPolling({ platform: 'x', now: NOW });
    expect(due.map((s) => s.id)).toEqual([good.id]);
  });

  it('claimDue quarantines it with its type instead of dropping it silently, and claims the rest', async () => {
    const { store, good, bad, reports } = await hashed('c_wt_claim');
    const claimed = await store.claimDue({ platform: 'x', now: NOW, leaseMs: 1000 });
    expect(claimed.map((c) => c.state.id)).toEqual([good.id]);
    expect(reports.map((r) => r.key)).toEqual([store.keys.state(bad.id)]);
    expect(await store.listQuarantined()).toEqual([
      { stateId: bad.id, reason: 'stored value is a Redis hash, not a polling state' },
    ]);
    expect(await store.getDueScore(bad)).toBeNull();
    const again = await store.claimDue({ platform: 'x', now: at(10_000), leaseMs: 1000 });
    expect(again.map((c) => c.state.id)).toEqual([good.id]);
  });

  it('beginPoll answers corrupt without taking the lock, and quarantines it', async () => {
    const { store, bad, reports } = await hashed('c_wt_begin');
    const begun = await store.beginPoll(bad.id, 'job-1', 60_000);
    expect(begun).toMatchObject({
      kind: 'corrupt',
      error: { code: 'corrupt_state', key: store.keys.state(bad.id) },
    });
    expect(reports).toHaveLength(1);
    expect(await redis.exists(store.keys.lock(bad.id))).toBe(0);
    expect(await store.getDueScore(bad)).toBeNull();
    expect(await store.listQuarantined()).toEqual([
      { stateId: bad.id, reason: 'stored value is a Redis hash, not a polling state' },
    ]);
  });

  it('beginPoll on bad JSON also quarantines it and releases the lock it took', async () => {
    const store = newStore({ onCorrupt: () => undefined });
    const s = xMentions('c_json_begin');
    await store.save(s);
    await redis.set(store.keys.state(s.id), '{"id": oops');
    expect((await store.beginPoll(s.id, 'job-1', 60_000)).kind).toBe('corrupt');
    expect(await redis.exists(store.keys.lock(s.id))).toBe(0);
    expect(await store.getDueScore(s)).toBeNull();
    expect(await store.listQuarantined()).toEqual([
      { stateId: s.id, reason: 'stored value is not a valid polling state' },
    ]);
  });

  it('a version-guarded save and a commit see a conflict, not a WRONGTYPE error', async () => {
    const { store, bad } = await hashed('c_wt_write');
    const next = { ...bad, version: bad.version + 1 };
    expect(await store.saveIfVersion(next, bad.version)).toBe('conflict');
    await redis.set(store.keys.lock(bad.id), 'job-1');
    const result = await store.commitPoll({
      state: next,
      expectedVersion: bad.version,
      events: [],
      now: NOW,
      lockToken: 'job-1',
    });
    expect(result).toEqual({ kind: 'conflict' });
    expect(await redis.type(store.keys.state(bad.id))).toBe('hash');
    expect(await redis.exists(store.keys.lock(bad.id))).toBe(0);
  });

  it('registering the same resource again rejects it as corrupt_state', async () => {
    const { store } = await hashed('c_wt_reg');
    await expect(
      store.register(
        { clientId: 'c_wt_reg', platform: 'x', resourceType: 'mentions', resourceId: '2' },
        NOW,
      ),
    ).rejects.toMatchObject({ code: 'corrupt_state', message: expect.stringMatching(/hash/) });
  });

  it('delete and deleteForClient remove it with all its index entries', async () => {
    const { store, good, bad } = await hashed('c_wt_del');
    const k = store.keys.partitionOf(bad.id);
    await redis.zadd(store.keys.seen(bad.id), 1, 'x:1');
    await redis.hset(store.keys.quarantine(k), bad.id, 'set aside');
    expect(await store.deleteForClient('c_other', bad.id)).toBe(false);
    expect(await store.deleteForClient('c_wt_del', bad.id)).toBe(true);
    expect(await redis.exists(store.keys.state(bad.id), store.keys.seen(bad.id))).toBe(0);
    expect(await redis.sismember(store.keys.client('c_wt_del'), bad.id)).toBe(0);
    expect(await redis.zscore(store.keys.due(k, 'x'), bad.id)).toBeNull();
    expect(await redis.hexists(store.keys.quarantine(k), bad.id)).toBe(0);
    expect(await store.listClientStates('c_wt_del')).toEqual({ states: [good], corrupt: [] });

    // By id with a client hint (what unregister by identity does).
    const other = xMentions('c_wt_del', '3');
    await store.save(other);
    await redis.del(store.keys.state(other.id));
    await redis.sadd(store.keys.state(other.id), 'x');
    expect(await store.delete(other.id, 'c_wt_del')).toBe(true);
    expect(await redis.sismember(store.keys.client('c_wt_del'), other.id)).toBe(0);
    expect(await redis.zscore(store.keys.due(k, 'x'), other.id)).toBeNull();
  });
});
