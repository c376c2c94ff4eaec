import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  DEFAULT_BUDGETS,
  ENDPOINT_KEYS,
  blockUntilFromSignals,
  defaultBlockUntilMs,
  effectiveLimit,
  linkedInThrottleScope,
  newWindowEndMs,
  nextUtcMidnightMs,
  parseRateLimiterSettings,
  resolveBudgets,
  scarcityThreshold,
  viewBucket,
} from './budgets.js';
import { buildRateLimitKeys } from './keys.js';

const NOW = Date.UTC(2026, 0, 1, 10, 30);

describe('budgets', () => {
  it('has a default budget for every endpoint key the pipeline uses', () => {
    for (const [platform, endpoints] of Object.entries(ENDPOINT_KEYS)) {
      for (const endpoint of endpoints) {
        expect(DEFAULT_BUDGETS[platform as keyof typeof DEFAULT_BUDGETS][endpoint]).toBeDefined();
      }
    }
  });

  it('takes the PLATFORMS.md numbers as defaults', () => {
    expect(DEFAULT_BUDGETS.x.mentions).toMatchObject({
      app: { limit: 450 },
      account: { limit: 300 },
    });
    expect(DEFAULT_BUDGETS.x.dm_events).toMatchObject({ app: null, account: { limit: 15 } });
    expect(DEFAULT_BUDGETS.linkedin.comments?.app).toMatchObject({
      windowMs: DAY_MS,
      alignment: 'utc-aligned',
    });
    expect(DEFAULT_BUDGETS.tiktok.comment_list).toMatchObject({
      appBucket: 'business',
      app: { limit: 600, windowMs: 60_000 },
      account: { limit: 40 },
      cooldownOn429Ms: 300_000,
    });
  });

  it('merges overrides per endpoint and lists every bad setting', () => {
    const settings = parseRateLimiterSettings({
      budgets: {
        x: {
          mentions: {
            app: null,
            account: { limit: 5, windowMs: 1000, alignment: 'first-request' },
          },
        },
      },
    });
    const budgets = resolveBudgets(settings);
    expect(budgets.x.mentions?.account?.limit).toBe(5);
    expect(budgets.x.search?.account?.limit).toBe(300);
    expect(() => parseRateLimiterSettings({ safetyMargin: 0.9, unavailableRetryMs: -1 })).toThrow(
      /safetyMargin.*unavailableRetryMs/,
    );
    expect(() =>
      parseRateLimiterSettings({ budgets: { x: { mentions: { app: null, account: null } } } }),
    ).toThrow(/app budget, an account budget, or both/);
  });

  it('keeps the safety margin in reserve but never goes below one request', () => {
    expect(effectiveLimit(450, 0.05)).toBe(427);
    expect(effectiveLimit(15, 0.1)).toBe(13);
    expect(effectiveLimit(1, 0.1)).toBe(1);
    expect(scarcityThreshold(100, 0.2)).toBe(20);
    expect(scarcityThreshold(100, 0)).toBe(0);
  });

  it('places windows from the first request or on UTC boundaries', () => {
    expect(newWindowEndMs({ windowMs: 900_000, alignment: 'first-request' }, NOW)).toBe(
      NOW + 900_000,
    );
    expect(newWindowEndMs({ windowMs: DAY_MS, alignment: 'utc-aligned' }, NOW)).toBe(
      Date.UTC(2026, 0, 2),
    );
    expect(nextUtcMidnightMs(Date.UTC(2026, 0, 2))).toBe(Date.UTC(2026, 0, 3));
    expect(nextUtcMidnightMs(Date.UTC(2026, 0, 2) - 1)).toBe(Date.UTC(2026, 0, 2));
  });

  it('views an ended window as full again', () => {
    expect(viewBucket({ windowEndMs: NOW + 1, used: 7 }, 10, NOW)).toEqual({
      limit: 10,
      used: 7,
      remaining: 3,
      resetAtMs: NOW + 1,
    });
    expect(viewBucket({ windowEndMs: NOW, used: 7 }, 10, NOW)).toEqual({
      limit: 10,
      used: 0,
      remaining: 10,
      resetAtMs: null,
    });
  });

  it('blocks until the latest platform signal, else the cool-down or window end', () => {
    expect(blockUntilFromSignals({ resetAtMs: NOW + 5000, retryAfterMs: 9000 }, -1, NOW)).toBe(
      NOW + 9000,
    );
    expect(blockUntilFromSignals({ resetAtMs: NOW - 1 }, -1, NOW)).toBe(-1);
    expect(blockUntilFromSignals({ retryAfterMs: 300 }, -1, NOW)).toBe(NOW + 300);
    const day = { windowMs: DAY_MS, alignment: 'utc-aligned' } as const;
    expect(defaultBlockUntilMs(day, null, undefined, NOW)).toBe(Date.UTC(2026, 0, 2));
    expect(defaultBlockUntilMs(day, null, 300_000, NOW)).toBe(NOW + 300_000);
    const x = { windowMs: 900_000, alignment: 'first-request' } as const;
    expect(defaultBlockUntilMs(x, NOW + 60_000, undefined, NOW)).toBe(NOW + 60_000);
  });

  it('reads which LinkedIn budget a 429 names', () => {
    expect(
      linkedInThrottleScope(
        'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.',
      ),
    ).toBe('app');
    expect(linkedInThrottleScope('Resource level throttle MEMBER DAY limit')).toBe('account');
  });
});

describe('buildRateLimitKeys', () => {
  it('puts every key of a platform under one hash tag', () => {
    const keys = buildRateLimitKeys('ep', 'tiktok', 'comment_list', 'business', 'c1');
    expect(keys).toEqual({
      appBucket: 'ep:rl:{tiktok}:app:business',
      accountBucket: 'ep:rl:{tiktok}:acct:comment_list:c1',
      appBlock: 'ep:rl:{tiktok}:block:app:business',
      accountBlock: 'ep:rl:{tiktok}:block:acct:comment_list:c1',
      fairGrants: 'ep:rl:{tiktok}:fair:g:business',
      fairSeen: 'ep:rl:{tiktok}:fair:seen:business',
    });
  });
});
