import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import {
  assertStorablePollingState,
  createPollingState,
  isSchedulable,
  parsePollingState,
  resumePollingState,
  serializePollingState,
  serializeStorablePollingState,
  StoredPollingStateSchema,
  updatePollingState,
  type PollingState,
  type PollResult,
} from './polling-state.js';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const later = (ms: number): Date => new Date(NOW.getTime() + ms);
const fixedRandom = (v: number) => () => v;

describe('createPollingState', () => {
  it('creates an initial state: no cursor, never polled, no errors, due now, active', () => {
    const state = createPollingState(
      { clientId: 'client_123', platform: 'tiktok', resourceType: 'comments', resourceId: '7001' },
      NOW,
    );
    expect(state.clientId).toBe('client_123');
    expect(state.platform).toBe('tiktok');
    expect(state.resourceId).toBe('7001');
    expect(state.lastPolledAt).toBeNull();
    expect(state.cursor).toBeNull();
    expect(state.consecutiveErrors).toBe(0);
    expect(state.status).toBe('active');
    expect(state.version).toBe(0);
    expect(state.nextPollAt).toEqual(NOW);
    expect(state.createdAt).toEqual(NOW);
    expect(state.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('omits resourceId for account-level resources', () => {
    const state = createPollingState({ clientId: 'c1', platform: 'x', resourceType: 'dms' }, NOW);
    expect('resourceId' in state).toBe(false);
  });

  it('derives the same id for the same resource, a different one otherwise', () => {
    const a = createPollingState(
      { clientId: 'c1', platform: 'x', resourceType: 'mentions', resourceId: '1' },
      NOW,
    );
    const b = createPollingState(
      { clientId: 'c1', platform: 'x', resourceType: 'mentions', resourceId: '1' },
      later(5),
    );
    const c = createPollingState(
      { clientId: 'c2', platform: 'x', resourceType: 'mentions', resourceId: '1' },
      NOW,
    );
    const d = createPollingState(
      { clientId: 'c1', platform: 'x', resourceType: 'replies', resourceId: '1' },
      NOW,
    );
    expect(a.id).toBe(b.id);
    expect(new Set([a.id, c.id, d.id]).size).toBe(3);
  });

  it('rejects an invalid initial cursor naming the field', () => {
    expect(() =>
      createPollingState(
        { clientId: 'c1', platform: 'x', resourceType: 'dms', cursor: 'has space' },
        NOW,
      ),
    ).toThrow(/cursor: must be/);
  });
});

describe('updatePollingState', () => {
  const base = (): PollingState =>
    createPollingState(
      { clientId: 'client_123', platform: 'linkedin', resourceType: 'inbox' },
      NOW,
    );

  it('stores the cursor, item count and poll time after a successful poll', () => {
    const updated = updatePollingState(
      base(),
      { success: true, cursor: 'cursor_abc', itemsFound: 5 },
      later(1000),
      {
        random: fixedRandom(0),
      },
    );
    expect(updated.lastPolledAt).toEqual(later(1000));
    expect(updated.cursor).toBe('cursor_abc');
    expect(updated.lastItemCount).toBe(5);
    expect(updated.consecutiveErrors).toBe(0);
    expect(updated.version).toBe(1);
    expect(updated.nextPollAt).toEqual(later(1000 + 300_000));
  });

  it('increments the error count and records the error on failure', () => {
    const updated = updatePollingState(
      base(),
      { success: false, error: 'Rate limit exceeded' },
      NOW,
    );
    expect(updated.consecutiveErrors).toBe(1);
    expect(updated.lastError).toBe('Rate limit exceeded');
    expect(updated.lastErrorCode).toBe('transient');
    expect(updated.status).toBe('backing_off');
  });

  it('resets the error count on success after three failures', () => {
    let state = base();
    for (let i = 0; i < 3; i++)
      state = updatePollingState(state, { success: false, error: 'Error' }, NOW);
    expect(state.consecutiveErrors).toBe(3);
    state = updatePollingState(state, { success: true, cursor: null }, NOW);
    expect(state.consecutiveErrors).toBe(0);
    expect(state.status).toBe('active');
    expect(state.lastError).toBeNull();
  });

  it.each([
    { attempt: 1, random: 0.999, maxMs: 30_000 },
    { attempt: 2, random: 0.999, maxMs: 60_000 },
    { attempt: 3, random: 0.999, maxMs: 120_000 },
    { attempt: 4, random: 0.5, maxMs: 120_000 },
  ])(
    'backs off with full jitter, capped by 30 s × 2^(n-1) (attempt $attempt)',
    ({ attempt, random, maxMs }) => {
      let state = base();
      for (let i = 0; i < attempt; i++) {
        state = updatePollingState(state, { success: false, error: 'boom' }, NOW, {
          random: fixedRandom(random),
        });
      }
      const delay = state.nextPollAt.getTime() - NOW.getTime();
      expect(delay).toBeLessThanOrEqual(maxMs);
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBe(
        Math.max(1000, Math.floor(random * Math.min(1_800_000, 30_000 * 2 ** (attempt - 1)))),
      );
    },
  );

  it('never backs off beyond the cap', () => {
    let state = base();
    for (let i = 0; i < 4; i++) {
      state = updatePollingState(state, { success: false, error: 'x' }, NOW, {
        random: fixedRandom(0.999),
        maxErrors: 100,
        backoff: { baseMs: 1000, capMs: 5000 },
      });
    }
    expect(state.nextPollAt.getTime() - NOW.getTime()).toBeLessThanOrEqual(5000);
  });

  it('switches to the slow probe cadence at the error threshold', () => {
    let state = base();
    for (let i = 0; i < 5; i++) {
      state = updatePollingState(state, { success: false, error: 'down' }, NOW, {
        random: fixedRandom(0),
      });
    }
    expect(state.consecutiveErrors).toBe(5);
    expect(state.nextPollAt).toEqual(later(3_600_000));
  });

  it.each<[PollResult, PollingState['status']]>([
    [{ success: false, error: 'token revoked', code: 'auth' }, 'needs_reauth'],
    [{ success: false, error: 'post deleted', code: 'not_found' }, 'paused'],
    [{ success: false, error: 'bad body', code: 'invalid_response' }, 'backing_off'],
    [{ success: false, error: 'bad param', code: 'invalid_request' }, 'backing_off'],
  ])('maps %o to status %s', (result, status) => {
    const updated = updatePollingState(base(), result, NOW);
    expect(updated.status).toBe(status);
    expect(updated.lastErrorCode).toBe(result.success ? null : result.code);
    expect(isSchedulable(updated)).toBe(status === 'backing_off');
  });

  it('does not count a rate limit as an error and waits as long as the platform said', () => {
    const updated = updatePollingState(
      base(),
      { success: false, error: '429', code: 'rate_limited', retryAfterMs: 90_000 },
      NOW,
    );
    expect(updated.consecutiveErrors).toBe(0);
    expect(updated.status).toBe('active');
    expect(updated.nextPollAt).toEqual(later(90_000));
    expect(updated.lastErrorCode).toBe('rate_limited');
  });

  it('stretches the interval after empty polls, up to the cap, and shrinks it on new items', () => {
    const policy = { random: fixedRandom(0), intervalMs: 60_000 };
    let state = base();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      state = updatePollingState(
        state,
        { success: true, cursor: null, itemsFound: 0 },
        NOW,
        policy,
      );
      delays.push(state.nextPollAt.getTime() - NOW.getTime());
    }
    expect(delays).toEqual([90_000, 135_000, 202_500, 240_000, 240_000, 240_000]);
    state = updatePollingState(state, { success: true, cursor: null, itemsFound: 3 }, NOW, policy);
    expect(state.nextPollAt.getTime() - NOW.getTime()).toBe(60_000);
    expect(state.emptyPolls).toBe(0);
  });

  it('is due at once while a walk has pages left, and keeps the pending cursor', () => {
    const updated = updatePollingState(
      base(),
      { success: true, cursor: null, pageToken: 'tok_2', pendingCursor: '1900', itemsFound: 10 },
      NOW,
    );
    expect(updated.nextPollAt).toEqual(NOW);
    expect(updated.pageToken).toBe('tok_2');
    expect(updated.pendingCursor).toBe('1900');
  });

  it('adds only positive jitter, so a resource is never polled early', () => {
    const updated = updatePollingState(
      base(),
      { success: true, cursor: null, itemsFound: 1 },
      NOW,
      {
        random: fixedRandom(0.999),
        intervalMs: 100_000,
      },
    );
    const delay = updated.nextPollAt.getTime() - NOW.getTime();
    expect(delay).toBeGreaterThanOrEqual(100_000);
    expect(delay).toBeLessThanOrEqual(110_000);
  });

  it('rejects an invalid cursor from a poll', () => {
    expect(() => updatePollingState(base(), { success: true, cursor: 'a b' }, NOW)).toThrow(
      /cursor/,
    );
  });

  it('keeps long error messages bounded', () => {
    const updated = updatePollingState(base(), { success: false, error: 'e'.repeat(5000) }, NOW);
    expect(updated.lastError).toHaveLength(1000);
  });
});

describe('resumePollingState', () => {
  it('puts a needs_reauth state back on schedule, due now, with no errors', () => {
    let state = createPollingState({ clientId: 'c1', platform: 'x', resourceType: 'dms' }, NOW);
    state = updatePollingState(state, { success: false, error: 'revoked', code: 'auth' }, NOW);
    const resumed = resumePollingState(state, later(10));
    expect(resumed.status).toBe('active');
    expect(resumed.nextPollAt).toEqual(later(10));
    expect(resumed.consecutiveErrors).toBe(0);
    expect(resumed.version).toBe(state.version + 1);
  });
});

describe('stored form', () => {
  const state = createPollingState(
    {
      clientId: 'c1',
      platform: 'linkedin',
      resourceType: 'comments',
      resourceId: 'urn:li:share:1',
    },
    NOW,
  );

  it('round-trips a state, dates included', () => {
    expect(parsePollingState(serializePollingState(state))).toEqual(state);
  });

  it.each([
    ['not JSON', '{nope', /not JSON/],
    [
      'an unknown field',
      JSON.stringify({ ...state, accessToken: 'secret' }),
      /accessToken|Unrecognized/,
    ],
    ['a bad status', JSON.stringify({ ...state, status: 'zombie' }), /status/],
    ['a bad date', JSON.stringify({ ...state, createdAt: 'yesterday' }), /createdAt/],
    ['a negative count', JSON.stringify({ ...state, consecutiveErrors: -1 }), /consecutiveErrors/],
    ['an array', '[]', /root|expected object/],
  ])('rejects %s', (_label, json, message) => {
    expect(() => parsePollingState(json)).toThrow(message);
  });

  it('refuses to store a state with an unknown field, naming it', () => {
    const withToken = { ...state, metadata: { token: 'abc' } } as unknown as PollingState;
    expect(() => assertStorablePollingState(withToken)).toThrow(/metadata|Unrecognized/);
  });

  it('serializes a storable state once, as serializePollingState does, and refuses a bad one', () => {
    expect(serializeStorablePollingState(state)).toBe(serializePollingState(state));
    const bad = { ...state, consecutiveErrors: -1 };
    expect(() => serializeStorablePollingState(bad)).toThrow(ValidationError);
  });
});

describe('parsePollingState fast path', () => {
  const valid = JSON.parse(
    serializePollingState(
      createPollingState(
        { clientId: 'c1', platform: 'x', resourceType: 'mentions', resourceId: '9' },
        NOW,
      ),
    ),
  ) as Record<string, unknown>;
  const pool: unknown[] = [
    null,
    undefined,
    0,
    -1,
    1.5,
    7,
    '',
    'x',
    'a b',
    '2026-01-01T00:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-01-01T00:00:00Z',
    'active',
    'paused',
    'zombie',
    'transient',
    'x',
    'tiktok',
    'comments',
    'inbox',
    'e'.repeat(1001),
    '0123456789abcdef0123456789abcdef',
    'c_1',
    [],
    {},
    true,
  ];

  it('accepts and rejects exactly what the zod schema does', async () => {
    const fc = await import('fast-check');
    const fields = [...Object.keys(valid), 'extra', 'resourceId'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...fields), fc.constantFrom(...pool)), { maxLength: 3 }),
        (mutations) => {
          const candidate: Record<string, unknown> = { ...valid };
          for (const [field, value] of mutations) {
            if (value === undefined) delete candidate[field];
            else candidate[field] = value;
          }
          const zodOk = StoredPollingStateSchema.safeParse(candidate).success;
          let fastOk = true;
          try {
            parsePollingState(JSON.stringify(candidate));
          } catch {
            fastOk = false;
          }
          expect(fastOk).toBe(zodOk);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
