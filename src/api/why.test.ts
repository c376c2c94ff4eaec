import { describe, expect, it } from 'vitest';
import { createPollingState, updatePollingState } from '../domain/polling-state.js';
import { describeDelta, explainPolling, type WhyInput } from './why.js';

const NOW = Date.UTC(2026, 0, 1);
const policy = { maxErrors: 5, probeIntervalMs: 3_600_000 };
const fresh = () =>
  createPollingState({ clientId: 'c1', platform: 'x', resourceType: 'dms' }, new Date(NOW));

function input(overrides: Partial<WhyInput>): WhyInput {
  const state = overrides.state ?? fresh();
  return {
    state,
    dueScoreMs: state.nextPollAt.getTime(),
    rateLimit: undefined,
    policy,
    nowMs: NOW,
    ...overrides,
  };
}

describe('explainPolling', () => {
  it('says a paused resource is not polled and why', () => {
    const state = updatePollingState(
      fresh(),
      { success: false, error: 'gone', code: 'not_found' },
      new Date(NOW),
    );
    const answer = explainPolling(input({ state, dueScoreMs: null }));
    expect(answer.verdict).toBe('paused');
    expect(answer.reason).toContain('not_found (gone)');
  });

  it('flags a schedulable state missing from the due index', () => {
    expect(explainPolling(input({ dueScoreMs: null })).verdict).toBe('not_indexed');
  });

  it('says when an active resource is next due', () => {
    const state = { ...fresh(), nextPollAt: new Date(NOW + 65_000) };
    const answer = explainPolling(input({ state, dueScoreMs: NOW + 65_000 }));
    expect(answer).toEqual({
      verdict: 'not_due',
      reason: 'Active and not due yet: next poll at 2026-01-01T00:01:05.000Z (in 1 min 5 s).',
    });
  });

  it('explains backoff below the threshold with the last error', () => {
    const state = updatePollingState(fresh(), { success: false, error: 'timeout' }, new Date(NOW), {
      random: () => 0.5,
    });
    const answer = explainPolling(input({ state, dueScoreMs: state.nextPollAt.getTime() }));
    expect(answer.verdict).toBe('backing_off');
    expect(answer.reason).toMatch(
      /1 consecutive error\(s\) \(threshold 5\).*transient \(timeout\)/,
    );
  });

  it('ignores a rate block that has already ended', () => {
    const answer = explainPolling(
      input({ rateLimit: { scope: 'account', blockedUntilMs: NOW - 1 } }),
    );
    expect(answer.verdict).toBe('due');
  });
});

describe('describeDelta', () => {
  it.each([
    [5_000, 'in 5 s'],
    [-5_000, '5 s ago'],
    [125_000, 'in 2 min 5 s'],
    [3_660_000, 'in 1 h 1 min'],
  ])('%i ms reads %s', (ms, text) => {
    expect(describeDelta(ms)).toBe(text);
  });
});
