/**
 * Every Redis key of the polling store, built in one place.
 *
 * Layout (P partitions, `k = partition of the client`, `{k}` is the Redis Cluster hash tag, so every
 * key one atomic step touches lands in one slot):
 *
 *   <prefix>:{k}:state:<stateId>     string: the polling state as JSON (StoredPollingStateSchema)
 *   <prefix>:{k}:due:<platform>      sorted set: stateId scored by nextPollAt (epoch ms)
 *   <prefix>:{k}:client:<clientId>   set: the client's stateIds
 *   <prefix>:{k}:seen:<stateId>      sorted set: emitted item ids scored by item time (dedupe ledger)
 *   <prefix>:{k}:lock:<stateId>      string: token of the job polling the state now (expires)
 *   <prefix>:{k}:outbox              stream: emitted events (the durable event log)
 *   <prefix>:{k}:quarantine          hash: stateId → why its stored value was set aside
 *   <prefix>:{k}:quarantined-items   stream: items that failed validation, with raw payload and reason
 */
import type { Platform } from '../domain/platform.js';
import { partitionOfClient, partitionOfStateId } from '../domain/resource.js';

/** Options of {@link StoreKeys}. */
export interface StoreKeysOptions {
  /** Prefix of every key. @defaultValue 'ep' */
  prefix?: string;
  /** Number of partitions, fixed per deployment. @defaultValue 16 */
  partitions?: number;
}

/** Builds the store's key names. */
export class StoreKeys {
  readonly prefix: string;
  readonly partitions: number;

  constructor(options: StoreKeysOptions = {}) {
    this.prefix = options.prefix ?? 'ep';
    this.partitions = options.partitions ?? 16;
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(this.prefix)) {
      throw new Error(`invalid key prefix ${JSON.stringify(this.prefix)}`);
    }
    if (!Number.isInteger(this.partitions) || this.partitions < 1 || this.partitions > 1024) {
      throw new Error(`partitions must be an integer in 1..1024, got ${this.partitions}`);
    }
  }

  /** Partition of a state id. */
  partitionOf(stateId: string): number {
    return partitionOfStateId(stateId, this.partitions);
  }

  /** Partition of a client. */
  partitionOfClient(clientId: string): number {
    return partitionOfClient(clientId, this.partitions);
  }

  /** `<prefix>:{k}` — the start of every key in partition k. */
  base(partition: number): string {
    return `${this.prefix}:{${partition}}`;
  }

  /** `<prefix>:layout` — the deployment's layout as first recorded (its partition count). */
  layout(): string {
    return `${this.prefix}:layout`;
  }

  state(stateId: string): string {
    return `${this.base(this.partitionOf(stateId))}:state:${stateId}`;
  }

  due(partition: number, platform: Platform): string {
    return `${this.base(partition)}:due:${platform}`;
  }

  client(clientId: string): string {
    return `${this.base(this.partitionOfClient(clientId))}:client:${clientId}`;
  }

  seen(stateId: string): string {
    return `${this.base(this.partitionOf(stateId))}:seen:${stateId}`;
  }

  lock(stateId: string): string {
    return `${this.base(this.partitionOf(stateId))}:lock:${stateId}`;
  }

  outbox(partition: number): string {
    return `${this.base(partition)}:outbox`;
  }

  quarantine(partition: number): string {
    return `${this.base(partition)}:quarantine`;
  }

  quarantinedItems(partition: number): string {
    return `${this.base(partition)}:quarantined-items`;
  }

  /** All partitions, 0..P-1. */
  allPartitions(): number[] {
    return Array.from({ length: this.partitions }, (_, i) => i);
  }
}
