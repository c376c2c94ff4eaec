import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { isSupportedResource, resourceTypesOf } from './platform.js';
import {
  deriveStateId,
  isStateIdOfClient,
  partitionOfClient,
  partitionOfStateId,
  validateCursor,
  validateResourceRef,
} from './resource.js';

describe('validateResourceRef', () => {
  it.each([
    {
      clientId: 'c1',
      platform: 'tiktok',
      resourceType: 'comments',
      resourceId: '7234567890123456789',
    },
    {
      clientId: 'c1',
      platform: 'linkedin',
      resourceType: 'comments',
      resourceId: 'urn:li:share:6844785523593134080',
    },
    {
      clientId: 'c1',
      platform: 'linkedin',
      resourceType: 'comments',
      resourceId: 'urn:li:ugcPost:1',
    },
    {
      clientId: 'c1',
      platform: 'linkedin',
      resourceType: 'comments',
      resourceId: 'urn:li:activity:2',
    },
    { clientId: 'c1', platform: 'linkedin', resourceType: 'inbox' },
    {
      clientId: 'c1',
      platform: 'linkedin',
      resourceType: 'mentions',
      resourceId: 'urn:li:organization:5',
    },
    { clientId: 'c1', platform: 'x', resourceType: 'mentions', resourceId: '2244994945' },
    { clientId: 'c1', platform: 'x', resourceType: 'replies', resourceId: '1460323737035677698' },
    { clientId: 'Agency.client-9_x', platform: 'x', resourceType: 'dms' },
  ])('accepts $platform $resourceType $resourceId', (ref) => {
    expect(validateResourceRef(ref)).toEqual(ref);
  });

  it.each([
    [{ platform: 'x', resourceType: 'dms' }, 'clientId', /is required/],
    [{ clientId: '', platform: 'x', resourceType: 'dms' }, 'clientId', /1-64 characters/],
    [{ clientId: 'a'.repeat(65), platform: 'x', resourceType: 'dms' }, 'clientId', /1-64/],
    [{ clientId: 'has space', platform: 'x', resourceType: 'dms' }, 'clientId', /letters/],
    [{ clientId: '../etc', platform: 'x', resourceType: 'dms' }, 'clientId', /letters/],
    [
      { clientId: 'c1', platform: 'facebook', resourceType: 'dms' },
      'platform',
      /one of x, linkedin, tiktok/,
    ],
    [{ clientId: 'c1', platform: 'x', resourceType: 'likes' }, 'resourceType', /one of/],
    [
      { clientId: 'c1', platform: 'tiktok', resourceType: 'dms' },
      'resourceType',
      /tiktok has no "dms"/,
    ],
    [{ clientId: 'c1', platform: 'tiktok', resourceType: 'comments' }, 'resourceId', /is required/],
    [
      { clientId: 'c1', platform: 'tiktok', resourceType: 'comments', resourceId: 'video_1' },
      'resourceId',
      /numeric TikTok video id/,
    ],
    [
      {
        clientId: 'c1',
        platform: 'x',
        resourceType: 'replies',
        resourceId: '12345678901234567890',
      },
      'resourceId',
      /numeric/,
    ],
    [
      { clientId: 'c1', platform: 'x', resourceType: 'mentions', resourceId: 12 },
      'resourceId',
      /numeric X user id/,
    ],
    [
      { clientId: 'c1', platform: 'linkedin', resourceType: 'comments', resourceId: 'post_1' },
      'resourceId',
      /LinkedIn post URN/,
    ],
    [
      {
        clientId: 'c1',
        platform: 'linkedin',
        resourceType: 'comments',
        resourceId: 'urn:li:person:1',
      },
      'resourceId',
      /URN/,
    ],
    [
      {
        clientId: 'c1',
        platform: 'linkedin',
        resourceType: 'mentions',
        resourceId: 'urn:li:share:1',
      },
      'resourceId',
      /organization URN/,
    ],
    [
      { clientId: 'c1', platform: 'linkedin', resourceType: 'inbox', resourceId: 'x' },
      'resourceId',
      /must be absent/,
    ],
  ])('rejects %o naming %s', (input, field, reason) => {
    let caught: unknown;
    try {
      validateResourceRef(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const issue = (caught as ValidationError).issues.find((i) => i.field === field);
    expect(issue?.reason).toMatch(reason);
    expect((caught as Error).message).toContain(`${field}:`);
  });

  it('lists every bad field at once', () => {
    expect(() =>
      validateResourceRef({ clientId: '', platform: 'nope', resourceType: 'nope' }),
    ).toThrow(/clientId: .*; platform: .*; resourceType: /);
  });

  it('rejects a non-object', () => {
    expect(() => validateResourceRef(null)).toThrow(ValidationError);
  });
});

describe('validateCursor', () => {
  it.each([
    [null, null],
    ['abc', 'abc'],
    ['1704067200:7234', '1704067200:7234'],
  ])('accepts %s', (c, out) => {
    expect(validateCursor(c)).toBe(out);
  });
  it.each([[''], ['a b'], ['x'.repeat(1025)], [12], ['é']])('rejects %o', (c) => {
    expect(() => validateCursor(c)).toThrow(/cursor: must be null or 1-1024 printable ASCII/);
  });
});

describe('state ids and partitions', () => {
  const ref = { clientId: 'client_a', platform: 'x', resourceType: 'dms' } as const;

  it('puts all of a client’s states in the client’s partition', () => {
    const ids = ['mentions', 'dms'].map((t) =>
      deriveStateId({
        ...ref,
        resourceType: t as 'dms',
        resourceId: t === 'dms' ? undefined : '1',
      }),
    );
    for (const p of [1, 7, 16, 1024]) {
      for (const id of ids)
        expect(partitionOfStateId(id, p)).toBe(partitionOfClient('client_a', p));
    }
  });

  it('tells whether an id belongs to a client', () => {
    const id = deriveStateId(ref);
    expect(isStateIdOfClient(id, 'client_a')).toBe(true);
    expect(isStateIdOfClient(id, 'client_b')).toBe(false);
    expect(isStateIdOfClient('nope', 'client_a')).toBe(false);
  });

  it('refuses to partition something that is not a state id', () => {
    expect(() => partitionOfStateId('../../x', 16)).toThrow(/not a state id/);
  });

  it('spreads clients over partitions', () => {
    const seen = new Set(Array.from({ length: 200 }, (_, i) => partitionOfClient(`c${i}`, 16)));
    expect(seen.size).toBe(16);
  });
});

describe('platform catalogue', () => {
  it('knows exactly the platform/resource pairs of the design', () => {
    expect(resourceTypesOf('tiktok')).toEqual(['comments']);
    expect(resourceTypesOf('linkedin').sort()).toEqual(['comments', 'inbox', 'mentions']);
    expect(resourceTypesOf('x').sort()).toEqual(['dms', 'mentions', 'replies']);
    expect(isSupportedResource('x', 'inbox')).toBe(false);
  });
});
