import { describe, expect, it } from 'vitest';
import { PlatformError } from '../domain/errors.js';
import { decideOnError } from './error-policy.js';

const NOW = 1_000_000;

describe('decideOnError', () => {
  it('blocks a rate limit until the reset the platform gave', () => {
    const d = decideOnError(
      new PlatformError('rate_limited', '429', { resetAtMs: NOW + 900_000 }),
      NOW,
    );
    expect(d.code).toBe('rate_limited');
    expect(d.blockUntilMs).toBe(NOW + 900_000);
    expect(d.result).toMatchObject({ success: false, code: 'rate_limited', retryAfterMs: 900_000 });
  });

  it('turns Retry-After into a block end', () => {
    const d = decideOnError(
      new PlatformError('rate_limited', '429', { retryAfterMs: 300_000 }),
      NOW,
    );
    expect(d.blockUntilMs).toBe(NOW + 300_000);
    expect(d.retryAfterMs).toBe(300_000);
  });

  it('leaves the block to the limiter when the platform said nothing', () => {
    const d = decideOnError(new PlatformError('rate_limited', '429'), NOW);
    expect(d.blockUntilMs).toBeUndefined();
    expect(d.result).not.toHaveProperty('retryAfterMs');
  });

  it.each(['auth', 'not_found', 'transient', 'invalid_request', 'invalid_response'] as const)(
    'keeps the class of a %s error',
    (code) => {
      expect(decideOnError(new PlatformError(code, 'x', { retryAfterMs: 5 }), NOW)).toMatchObject({
        code,
        result: { code, retryAfterMs: 5 },
      });
    },
  );

  it('treats anything else as transient, with a message that says so', () => {
    const d = decideOnError(new TypeError('boom'), NOW);
    expect(d.code).toBe('transient');
    expect(d.result.error).toBe('unexpected failure: boom');
    expect(decideOnError('text', NOW).result.error).toBe('unexpected failure: text');
    expect(decideOnError(42, NOW).result.error).toBe('unexpected failure: non-error thrown');
  });

  it('maps missing or invalid credentials to auth and an unreachable source to transient', () => {
    const err = (code: string) =>
      Object.assign(new Error(`credentials for client "c" on x: ${code}`), {
        name: 'CredentialsError',
        code,
      });
    expect(decideOnError(err('credentials_missing'), NOW).code).toBe('auth');
    expect(decideOnError(err('credentials_invalid'), NOW).code).toBe('auth');
    expect(decideOnError(err('credentials_unavailable'), NOW).code).toBe('transient');
  });

  it('never carries a token into the recorded error', () => {
    const d = decideOnError(
      new Error('request failed: Authorization: Bearer sekrit-token-123'),
      NOW,
    );
    expect(d.result.error).not.toContain('sekrit-token-123');
  });
});
