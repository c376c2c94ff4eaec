import { describe, expect, it } from 'vitest';
import { addPositiveJitter, computeAdaptiveIntervalMs, computeBackoffMs } from './backoff.js';
import { ManualClock, systemClock } from './clock.js';
import {
  CorruptStateError,
  isPlatformError,
  PlatformError,
  redactSecrets,
  ValidationError,
} from './errors.js';
import { eventIdOf, toIsoTimestamp } from './poll-event.js';

describe('computeBackoffMs', () => {
  it('never returns less than a second or more than the cap', () => {
    for (const attempt of [1, 2, 10, 100, 5000]) {
      for (const r of [0, 0.3, 0.999999]) {
        const ms = computeBackoffMs(attempt, { baseMs: 30_000, capMs: 600_000 }, () => r);
        expect(ms).toBeGreaterThanOrEqual(1000);
        expect(ms).toBeLessThanOrEqual(600_000);
      }
    }
  });
  it('treats attempt 0 or fractions as the first attempt', () => {
    expect(computeBackoffMs(0, { baseMs: 10_000, capMs: 1e6 }, () => 0.5)).toBe(5000);
  });
});

describe('computeAdaptiveIntervalMs', () => {
  it('is the base with no empty polls and caps at the multiplier', () => {
    const o = { stretchFactor: 2, maxMultiplier: 3 };
    expect(computeAdaptiveIntervalMs(1000, 0, o)).toBe(1000);
    expect(computeAdaptiveIntervalMs(1000, 1, o)).toBe(2000);
    expect(computeAdaptiveIntervalMs(1000, 50, o)).toBe(3000);
  });
  it('adds bounded positive jitter', () => {
    expect(addPositiveJitter(1000, 0.1, () => 0.5)).toBe(1050);
    expect(addPositiveJitter(1000, -1, () => 0.5)).toBe(1000);
  });
});

describe('ManualClock', () => {
  it('moves only forward', () => {
    const clock = new ManualClock(1000);
    expect(clock.advance(500)).toBe(1500);
    clock.set(2000);
    expect(clock.now()).toBe(2000);
    expect(() => clock.advance(-1)).toThrow(/backwards/);
    expect(() => clock.set(1)).toThrow(/backwards/);
    expect(systemClock.now()).toBeGreaterThan(1_700_000_000_000);
  });
});

describe('errors', () => {
  it('redacts bearer tokens and access tokens from platform error messages', () => {
    const err = new PlatformError(
      'auth',
      'Authorization: Bearer abc.def-123 rejected; access_token=zzz9',
      {
        status: 401,
      },
    );
    expect(err.message).not.toMatch(/abc\.def-123|zzz9/);
    expect(err.code).toBe('auth');
    expect(err.status).toBe(401);
  });
  it('redacts exact secrets it is given', () => {
    expect(redactSecrets('token tok_SECRET_1 leaked', ['tok_SECRET_1'])).toBe(
      'token [redacted] leaked',
    );
  });
  it('recognizes a PlatformError after it crossed a process boundary', () => {
    const plain = JSON.parse(JSON.stringify({ name: 'PlatformError', code: 'rate_limited' }));
    expect(isPlatformError(plain)).toBe(true);
    expect(isPlatformError({ name: 'PlatformError', code: 'weird' })).toBe(false);
    expect(isPlatformError(null)).toBe(false);
  });
  it('names the key of a corrupt value and the fields of a validation error', () => {
    expect(new CorruptStateError('ep:{1}:state:x', 'bad').message).toContain('ep:{1}:state:x');
    expect(new ValidationError([{ field: 'a', reason: 'b' }]).message).toBe('a: b');
  });
});

describe('toIsoTimestamp', () => {
  it.each([
    [1704067200, '2024-01-01T00:00:00.000Z'],
    [1704067200000, '2024-01-01T00:00:00.000Z'],
    ['1704067200', '2024-01-01T00:00:00.000Z'],
    ['2025-01-01T00:01:00Z', '2025-01-01T00:01:00.000Z'],
    ['2025-01-01T00:01:00.000+01:00', '2024-12-31T23:01:00.000Z'],
  ])('reads %o', (input, iso) => {
    expect(toIsoTimestamp(input)).toBe(iso);
  });
  it.each([[null], [''], ['soon'], [-5], [Number.NaN], [{}]])('returns null for %o', (v) => {
    expect(toIsoTimestamp(v)).toBeNull();
  });
  it('builds stable event ids, scoped to the client and the resource type', () => {
    expect(eventIdOf('x', { clientId: 'c1', resourceType: 'mentions' }, '123')).toBe(
      'x:c1:mentions:123',
    );
    // One post mentioning two client brands is an event for each; so is a reply that is a mention.
    const ids = new Set([
      eventIdOf('x', { clientId: 'c1', resourceType: 'mentions' }, '123'),
      eventIdOf('x', { clientId: 'c2', resourceType: 'mentions' }, '123'),
      eventIdOf('x', { clientId: 'c1', resourceType: 'replies' }, '123'),
    ]);
    expect(ids.size).toBe(3);
  });
});
