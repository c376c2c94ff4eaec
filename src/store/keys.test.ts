import { describe, expect, it } from 'vitest';
import { StoreKeys } from './keys.js';

describe('StoreKeys', () => {
  const keys = new StoreKeys({ prefix: 'ep', partitions: 16 });
  const id = 'deadbeef' + '0'.repeat(24);

  it('puts every key of one state and its client under one hash tag', () => {
    const k = keys.partitionOf(id);
    const tag = `ep:{${k}}`;
    expect(keys.state(id)).toBe(`${tag}:state:${id}`);
    expect(keys.seen(id)).toBe(`${tag}:seen:${id}`);
    expect(keys.due(k, 'x')).toBe(`${tag}:due:x`);
    expect(keys.outbox(k)).toBe(`${tag}:outbox`);
    expect(keys.quarantine(k)).toBe(`${tag}:quarantine`);
    expect(keys.quarantinedItems(k)).toBe(`${tag}:quarantined-items`);
    expect(keys.client('c1')).toBe(`ep:{${keys.partitionOfClient('c1')}}:client:c1`);
    expect(keys.allPartitions()).toHaveLength(16);
  });

  it('defaults to prefix ep and 16 partitions', () => {
    const d = new StoreKeys();
    expect([d.prefix, d.partitions]).toEqual(['ep', 16]);
  });

  it.each([
    { prefix: 'bad prefix' },
    { prefix: '' },
    { partitions: 0 },
    { partitions: 1.5 },
    { partitions: 5000 },
  ])('rejects %o', (options) => {
    expect(() => new StoreKeys(options)).toThrow(/prefix|partitions/);
  });
});
