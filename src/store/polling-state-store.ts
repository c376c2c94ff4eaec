/**
 * PollingStateStore: polling states in Redis, with the per-platform due index and the per-client
 * index, following the layout in `keys.ts`.
 *
 * Scale: nothing here lists all keys. Due selection reads one sorted set per partition with
 * `ZRANGEBYSCORE … LIMIT`, so its cost grows with what is due, not with what is registered.
 * Safety: every value read back is validated; a corrupt or foreign value is reported (with its key)
 * through `onCorrupt` and skipped, and the other states keep working. A state key holding another
 * Redis type than a string (say, a hash someone wrote there) is corrupt in exactly the same way as a
 * string that is not a valid state: it never surfaces as a raw `WRONGTYPE` error.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { CorruptStateError, ValidationError } from '../domain/errors.js';
import { PLATFORMS, type Platform } from '../domain/platform.js';
import {
  createPollingState,
  isSchedulable,
  parsePollingState,
  serializePollingState,
  serializeStorablePollingState,
  type CreatePollingStateParams,
  type PollingState,
} from '../domain/polling-state.js';
import type { PollEvent, QuarantinedItem } from '../domain/poll-event.js';
import { isStateIdOfClient, STATE_ID_PATTERN } from '../domain/resource.js';
import { StoreKeys, type StoreKeysOptions } from './keys.js';
import { defineStoreScripts, runStoreScript } from './lua-scripts.js';

/** Options of {@link PollingStateStore}. */
export interface PollingStateStoreOptions extends StoreKeysOptions {
  /** The connection (owned by the caller). */
  redis: Redis;
  /**
   * Called for each corrupt or foreign value found under our keys (then skipped).
   * @defaultValue emits a process warning
   */
  onCorrupt?: (err: CorruptStateError) => void;
}

/** Parameters of {@link PollingStateStore.getDueForPolling}. */
export interface GetDueOptions {
  platform: Platform;
  /** Current time. */
  now: Date;
  /** Only states not polled within this interval (spec compatibility). */
  intervalMs?: number;
  /** Leave out states with at least this many consecutive errors. */
  maxErrors?: number;
  /** At most this many. @defaultValue 100 */
  limit?: number;
}

/** Parameters of {@link PollingStateStore.claimDue}. */
export interface ClaimDueOptions {
  platform: Platform;
  now: Date;
  /** How long the claim holds the state out of the due set. */
  leaseMs: number;
  /** At most this many states in all. @defaultValue 100 */
  limit?: number;
}

/** A state taken by {@link PollingStateStore.claimDue}. */
export interface ClaimedState {
  state: PollingState;
  /** The lease end, epoch ms: together with the state id it identifies this claim. */
  leaseUntilMs: number;
  /** The state's due-set score before the claim (its due time), epoch ms. */
  dueAtMs: number;
}

/** Outcome of {@link PollingStateStore.register}. */
export interface RegisterResult {
  /** False when the resource was registered already (nothing was written). */
  created: boolean;
  /** The stored state (the existing one when not created). */
  state: PollingState;
}

/** A state whose stored value is corrupt, as the listings show it. */
export interface CorruptStateEntry {
  stateId: string;
  /** The Redis key holding the value. */
  key: string;
  /** What is wrong with the value. */
  reason: string;
  /** The platform the stored value still names, when it names a valid one; null otherwise. */
  platform: Platform | null;
}

/** Outcome of {@link PollingStateStore.listClientStates}. */
export interface ClientStateListing {
  /** The client's valid states, oldest first. */
  states: PollingState[];
  /** The client's states whose stored value is corrupt (by state id). */
  corrupt: CorruptStateEntry[];
}

/** Outcome of {@link PollingStateStore.beginPoll}. */
export type BeginPollResult =
  | { kind: 'ready'; state: PollingState }
  | { kind: 'locked' }
  | { kind: 'missing' }
  | { kind: 'corrupt'; error: CorruptStateError };

/** Bounds of the per-state seen ledger. */
export interface LedgerOptions {
  /** Entries older than this (by item time) are trimmed; older items are not emitted. @defaultValue 30 days */
  maxAgeMs: number;
  /** At most this many entries per state. @defaultValue 10_000 */
  maxCount: number;
}

/** Default ledger bounds. */
export const DEFAULT_LEDGER: Readonly<LedgerOptions> = Object.freeze({
  maxAgeMs: 30 * 24 * 3_600_000,
  maxCount: 10_000,
});

/** Input of {@link PollingStateStore.commitPoll}. */
export interface CommitPollInput {
  /** The new state if at least one event turns out new; its version must be `expectedVersion + 1`. */
  state: PollingState;
  /**
   * The new state if no event turns out new (the ledger decides, inside the commit).
   * @defaultValue `state`
   */
  stateIfNoneNew?: PollingState;
  /** The version the job read. */
  expectedVersion: number;
  /** Events of this page (may include items emitted before: the ledger drops them). */
  events: readonly PollEvent[];
  /** Items of this page that failed validation. */
  quarantined?: readonly QuarantinedItem[];
  now: Date;
  /** The poll lock's token, when the caller holds it. */
  lockToken?: string;
  /** Release the lock after this commit (the last page of the job). @defaultValue true */
  releaseLock?: boolean;
  ledger?: LedgerOptions;
}

/** Outcome of {@link PollingStateStore.commitPoll}. */
export type CommitPollResult =
  | {
      kind: 'committed';
      emitted: number;
      duplicates: number;
      beyondHorizon: number;
      /** The state now stored. */
      state: PollingState;
    }
  | { kind: 'conflict' }
  | { kind: 'missing' }
  /** The seen ledger's key holds another Redis type: nothing was written. */
  | { kind: 'corrupt_ledger'; key: string; redisType: string };

/** Outcome of a conditional save. */
export type SaveOutcome = 'saved' | 'conflict' | 'missing';

const MAX_LIMIT = 10_000;

/** Polling states in Redis. */
export class PollingStateStore {
  readonly keys: StoreKeys;
  readonly #redis: Redis;
  readonly #onCorrupt: (err: CorruptStateError) => void;
  #rotation = 0;

  constructor(options: PollingStateStoreOptions) {
    this.keys = new StoreKeys(options);
    this.#redis = options.redis;
    this.#onCorrupt =
      options.onCorrupt ?? ((err) => process.emitWarning(err.message, 'CorruptStateWarning'));
    defineStoreScripts(this.#redis);
  }

  /**
   * Create the state of a resource unless it exists (atomic create-if-absent: concurrent
   * registrations of one resource make one state). Validates the registration.
   */
  async register(params: CreatePollingStateParams, now: Date): Promise<RegisterResult> {
    const state = createPollingState(params, now);
    const json = serializePollingState(state);
    const reply = await runStoreScript(this.#redis, 'register', this.#indexKeys(state), [
      state.id,
      json,
      state.nextPollAt.getTime(),
    ]);
    if (Array.isArray(reply) && reply[0] === 0 && typeof reply[2] === 'string') {
      // The key holds another Redis type: the resource exists, and it is corrupt.
      throw new CorruptStateError(this.keys.state(state.id), wrongTypeReason(reply[2]));
    }
    if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[1] !== 'string') {
      throw new Error(`register script returned an unexpected reply: ${JSON.stringify(reply)}`);
    }
    const created = reply[0] === 1;
    const stored = created ? state : this.#parse(this.keys.state(state.id), reply[1]);
    if (stored === null) {
      throw new CorruptStateError(this.keys.state(state.id), 'existing value is not a valid state');
    }
    return { created, state: stored };
  }

  /**
   * Write a state (exactly the schema: an unknown field, such as a token, is rejected with a
   * ValidationError) and keep the indexes in step. Unconditional.
   */
  async save(state: PollingState): Promise<void> {
    await this.#save(state, '');
  }

  /** Write a state only if the stored version is `expectedVersion`. */
  async saveIfVersion(state: PollingState, expectedVersion: number): Promise<SaveOutcome> {
    return this.#save(state, String(expectedVersion));
  }

  async #save(state: PollingState, expected: string): Promise<SaveOutcome> {
    const json = serializeStorablePollingState(state);
    const reply = await runStoreScript(this.#redis, 'save', this.#indexKeys(state), [
      state.id,
      json,
      state.nextPollAt.getTime(),
      isSchedulable(state) ? '1' : '0',
      expected,
    ]);
    if (reply === 1) return 'saved';
    if (reply === 0) return 'conflict';
    if (reply === -1) return 'missing';
    throw new Error(`save script returned an unexpected reply: ${JSON.stringify(reply)}`);
  }

  /**
   * The state with this id, or null when there is none. Throws a CorruptStateError (naming the key)
   * when the stored value is not a valid state.
   */
  async get(stateId: string): Promise<PollingState | null> {
    if (!STATE_ID_PATTERN.test(stateId)) return null;
    const key = this.keys.state(stateId);
    const json = await this.#read(key);
    if (json === null) return null;
    const state = this.#parseOrThrow(key, json);
    if (state.id !== stateId) throw new CorruptStateError(key, `holds the state of ${state.id}`);
    return state;
  }

  /**
   * The state with this id if it belongs to `clientId`; null otherwise, whether it does not exist or
   * is another client's (a caller cannot tell the two apart).
   */
  async getForClient(clientId: string, stateId: string): Promise<PollingState | null> {
    if (!isStateIdOfClient(stateId, clientId)) return null;
    const state = await this.get(stateId);
    return state !== null && state.clientId === clientId ? state : null;
  }

  /** True when a state with this id exists. */
  async exists(stateId: string): Promise<boolean> {
    if (!STATE_ID_PATTERN.test(stateId)) return false;
    return (await this.#redis.exists(this.keys.state(stateId))) === 1;
  }

  /**
   * The state's score in its platform's due index (its due time, or a claim's lease end, epoch ms),
   * or null when it is not in the index (not schedulable, or the index lost it).
   */
  async getDueScore(state: Pick<PollingState, 'id' | 'platform'>): Promise<number | null> {
    if (!STATE_ID_PATTERN.test(state.id)) return null;
    const k = this.keys.partitionOf(state.id);
    const score = await this.#redis.zscore(this.keys.due(k, state.platform), state.id);
    return score === null ? null : Number(score);
  }

  /**
   * Delete a state and everything indexed under it. Returns true when it existed. A corrupt state
   * is deleted too; `clientIdHint` then names the client index to remove it from.
   */
  async delete(stateId: string, clientIdHint?: string): Promise<boolean> {
    if (!STATE_ID_PATTERN.test(stateId)) return false;
    const stateKey = this.keys.state(stateId);
    let clientId: string | null = clientIdHint ?? null;
    try {
      const json = await this.#read(stateKey);
      if (json !== null) clientId = this.#parseOrThrow(stateKey, json).clientId;
    } catch (err) {
      if (!(err instanceof CorruptStateError)) throw err;
      // A corrupt state (bad JSON, or another Redis type) is still deleted; its client comes from
      // the hint, if any.
      this.#onCorrupt(err);
    }
    const k = this.keys.partitionOf(stateId);
    const clientKey =
      clientId === null ? `${this.keys.base(k)}:client:` : this.keys.client(clientId);
    const reply = await runStoreScript(
      this.#redis,
      'delete',
      [
        stateKey,
        this.keys.seen(stateId),
        clientKey,
        this.keys.quarantine(k),
        ...PLATFORMS.map((p) => this.keys.due(k, p)),
      ],
      [stateId],
    );
    return reply === 1;
  }

  /**
   * Delete a state only if it belongs to `clientId`. A corrupt value under an id derived for this
   * client is deleted as well (an operator's way to get rid of it).
   */
  async deleteForClient(clientId: string, stateId: string): Promise<boolean> {
    if (!isStateIdOfClient(stateId, clientId)) return false;
    let state: PollingState | null;
    try {
      state = await this.getForClient(clientId, stateId);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'corrupt_state') throw err;
      return this.delete(stateId, clientId);
    }
    return state === null ? false : this.delete(stateId, clientId);
  }

  /** The client's states on one platform (never another client's). */
  async listByClientPlatform(clientId: string, platform: Platform): Promise<PollingState[]> {
    return (await this.listClientStates(clientId, platform)).states;
  }

  /** All of a client's valid states (never another client's); corrupt ones are left out. */
  async listByClient(clientId: string): Promise<PollingState[]> {
    return (await this.listClientStates(clientId)).states;
  }

  /**
   * All of a client's states (never another client's), optionally of one platform: the valid ones,
   * oldest first, and — so that an operator sees them rather than a silently shorter list — the
   * corrupt ones (each reported through `onCorrupt` as well). A corrupt entry is listed under a
   * platform filter when its stored value names that platform or names none.
   */
  async listClientStates(clientId: string, platform?: Platform): Promise<ClientStateListing> {
    const ids = (await this.#redis.smembers(this.keys.client(clientId))).filter((id) =>
      isStateIdOfClient(id, clientId),
    );
    const read = await this.#getMany(ids);
    const corrupt = read.corrupt;
    const states = read.states.filter((s) => {
      if (s.clientId === clientId) return true;
      const key = this.keys.state(s.id);
      this.#onCorrupt(
        new CorruptStateError(key, `listed for client ${clientId} but is another client's`),
      );
      corrupt.push({
        stateId: s.id,
        key,
        reason: "holds another client's state",
        platform: s.platform,
      });
      return false;
    });
    return {
      states: states
        .filter((s) => platform === undefined || s.platform === platform)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id)),
      corrupt: corrupt
        .filter((c) => platform === undefined || c.platform === null || c.platform === platform)
        .sort((a, b) => a.stateId.localeCompare(b.stateId)),
    };
  }

  /**
   * States of a platform whose nextPollAt has passed, oldest due first. Reads, claims nothing.
   * `intervalMs` additionally requires the last poll to be at least that long ago; `maxErrors`
   * leaves out states with that many consecutive errors.
   */
  async getDueForPolling(options: GetDueOptions): Promise<PollingState[]> {
    const limit = clampLimit(options.limit ?? 100);
    const nowMs = options.now.getTime();
    const pipeline = this.#redis.pipeline();
    for (const k of this.keys.allPartitions()) {
      pipeline.zrangebyscore(
        this.keys.due(k, options.platform),
        '-inf',
        nowMs,
        'WITHSCORES',
        'LIMIT',
        0,
        limit,
      );
    }
    const entries: { id: string; score: number }[] = [];
    for (const [err, reply] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      const flat = reply as string[];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        entries.push({ id: flat[i] as string, score: Number(flat[i + 1]) });
      }
    }
    entries.sort((a, b) => a.score - b.score);
    const { states } = await this.#getMany(entries.map((e) => e.id));
    return states
      .filter((s) => s.platform === options.platform)
      .filter(
        (s) =>
          options.intervalMs === undefined ||
          s.lastPolledAt === null ||
          s.lastPolledAt.getTime() <= nowMs - options.intervalMs,
      )
      .filter((s) => options.maxErrors === undefined || s.consecutiveErrors < options.maxErrors)
      .slice(0, limit);
  }

  /**
   * Atomically take up to `limit` due states of a platform, pushing each one's due score out to
   * now + leaseMs so that no other scheduler claims it meanwhile. Spreads the limit over the
   * partitions (further rounds top up from partitions that had more). States whose stored value is
   * corrupt are moved out of the due index into the partition's quarantine and reported.
   */
  async claimDue(options: ClaimDueOptions): Promise<ClaimedState[]> {
    if (!(options.leaseMs > 0)) throw new Error(`leaseMs must be > 0, got ${options.leaseMs}`);
    const limit = clampLimit(options.limit ?? 100);
    const nowMs = options.now.getTime();
    const leaseUntilMs = nowMs + options.leaseMs;
    const claimed: { id: string; dueAtMs: number }[] = [];
    let candidates = this.keys.allPartitions();
    while (candidates.length > 0 && claimed.length < limit) {
      // Split what is left exactly over the candidate partitions, starting at a rotating offset so
      // that the remainder does not always favour partition 0.
      const remaining = limit - claimed.length;
      const quotas = splitEvenly(remaining, candidates.length, this.#rotation++);
      const asked = candidates
        .map((k, i) => ({ k, quota: quotas[i] ?? 0 }))
        .filter((c) => c.quota > 0);
      const pipeline = this.#redis.pipeline();
      for (const { k, quota } of asked) {
        void runStoreScript(
          pipeline,
          'claim-due',
          [this.keys.due(k, options.platform)],
          [nowMs, leaseUntilMs, quota],
        );
      }
      const replies = (await pipeline.exec()) ?? [];
      const dry = new Set<number>();
      replies.forEach(([err, reply], i) => {
        if (err) throw err;
        const flat = reply as string[];
        for (let j = 0; j + 1 < flat.length; j += 2) {
          claimed.push({ id: flat[j] as string, dueAtMs: Number(flat[j + 1]) });
        }
        const ask = asked[i];
        if (ask !== undefined && flat.length / 2 < ask.quota) dry.add(ask.k);
      });
      // Either the limit is now met, or at least one asked partition ran dry: at most P rounds.
      candidates = candidates.filter((k) => !dry.has(k));
    }
    const byId = new Map(
      (
        await this.#getMany(
          claimed.map((c) => c.id),
          true,
        )
      ).states.map((s) => [s.id, s]),
    );
    const out: ClaimedState[] = [];
    for (const c of claimed) {
      const state = byId.get(c.id);
      if (state !== undefined) out.push({ state, leaseUntilMs, dueAtMs: c.dueAtMs });
    }
    return out.sort((a, b) => a.dueAtMs - b.dueAtMs);
  }

  /**
   * Start polling a state: take its poll lock for `lockToken` (for `lockTtlMs`) and read it, in one
   * round trip. `locked`: another job is polling it now. `corrupt`: the stored value is not a valid
   * state (bad JSON, a foreign value, or another Redis type than a string); it is reported, moved
   * out of the due index into the partition's quarantine and its lock released (one more round
   * trip, on that rare path only), so the job is skipped and the state is not scheduled again.
   */
  async beginPoll(stateId: string, lockToken: string, lockTtlMs: number): Promise<BeginPollResult> {
    if (!STATE_ID_PATTERN.test(stateId)) return { kind: 'missing' };
    const key = this.keys.state(stateId);
    const reply = await runStoreScript(
      this.#redis,
      'begin-poll',
      [key, this.keys.lock(stateId)],
      [lockToken, Math.max(1, Math.floor(lockTtlMs))],
    );
    if (!Array.isArray(reply) || reply.length !== 2) {
      throw new Error(`begin-poll script returned an unexpected reply: ${JSON.stringify(reply)}`);
    }
    if (reply[0] === 2) {
      // Another Redis type under the state key: the script took no lock.
      const type = String(reply[1]);
      return this.#quarantineAtPoll(
        stateId,
        new CorruptStateError(key, wrongTypeReason(type)),
        quarantineReason(type),
      );
    }
    if (reply[0] === 0) return { kind: 'locked' };
    if (typeof reply[1] !== 'string') return { kind: 'missing' };
    try {
      const state = parsePollingState(reply[1]);
      if (state.id !== stateId) throw new Error(`holds the state of ${state.id}`);
      return { kind: 'ready', state };
    } catch (err) {
      return this.#quarantineAtPoll(
        stateId,
        new CorruptStateError(key, (err as Error).message, { cause: err }),
        quarantineReason(null),
        lockToken,
      );
    }
  }

  /** Report a corrupt state met by beginPoll, quarantine it and release the lock it took. */
  async #quarantineAtPoll(
    stateId: string,
    error: CorruptStateError,
    reason: string,
    lockToken?: string,
  ): Promise<BeginPollResult> {
    this.#onCorrupt(error);
    const k = this.keys.partitionOf(stateId);
    // Every key is in partition k (one slot), so one MULTI is Cluster-safe.
    const tx = this.#redis.multi();
    PLATFORMS.forEach((p) => tx.zrem(this.keys.due(k, p), stateId));
    tx.hset(this.keys.quarantine(k), stateId, reason);
    if (lockToken !== undefined) {
      void runStoreScript(tx, 'release-lock', [this.keys.lock(stateId)], [lockToken]);
    }
    await tx.exec();
    return { kind: 'corrupt', error };
  }

  /**
   * Commit one polled page atomically (see `lua/commit-poll.lua`): the events not in the state's
   * seen ledger go into the ledger and the partition's outbox stream; the new state is written and
   * the due index re-scored — only if the stored version is still `expectedVersion`.
   */
  async commitPoll(input: CommitPollInput): Promise<CommitPollResult> {
    const { state } = input;
    const ifNone = input.stateIfNoneNew ?? state;
    for (const s of [state, ifNone]) {
      if (s.version !== input.expectedVersion + 1 || s.id !== state.id) {
        throw new Error(
          `commitPoll: state ${s.id} version ${s.version} must be expectedVersion + 1 (${input.expectedVersion + 1})`,
        );
      }
    }
    // Each distinct state serialized (and checked) once.
    const jsonIfNew = serializeStorablePollingState(state);
    const jsonIfNone = ifNone === state ? jsonIfNew : serializeStorablePollingState(ifNone);
    if (isSchedulable(state) !== isSchedulable(ifNone)) {
      throw new Error('commitPoll: both possible states must agree on being schedulable');
    }
    const ledger = input.ledger ?? DEFAULT_LEDGER;
    const k = this.keys.partitionOf(state.id);
    const quarantined = input.quarantined ?? [];
    const args: (string | number)[] = [
      state.id,
      String(input.expectedVersion),
      jsonIfNew,
      state.nextPollAt.getTime(),
      jsonIfNone,
      ifNone.nextPollAt.getTime(),
      isSchedulable(state) ? '1' : '0',
      input.now.getTime(),
      ledger.maxAgeMs,
      ledger.maxCount,
      input.lockToken ?? '',
      input.releaseLock === false ? '0' : '1',
      input.events.length,
      quarantined.length,
    ];
    for (const event of input.events) {
      const itemTimeMs = Date.parse(event.timestamp);
      if (Number.isNaN(itemTimeMs)) throw new Error(`event ${event.id} has no valid timestamp`);
      args.push(event.id, itemTimeMs, JSON.stringify(event));
    }
    for (const item of quarantined) {
      args.push(JSON.stringify({ ...item, at: input.now.toISOString() }));
    }
    const reply = await runStoreScript(
      this.#redis,
      'commit-poll',
      [
        this.keys.state(state.id),
        this.keys.due(k, state.platform),
        this.keys.seen(state.id),
        this.keys.outbox(k),
        this.keys.quarantinedItems(k),
        this.keys.lock(state.id),
      ],
      args,
    );
    if (!Array.isArray(reply) || reply.length !== 4) {
      throw new Error(`commit-poll script returned an unexpected reply: ${JSON.stringify(reply)}`);
    }
    if (reply[0] === -2) {
      return { kind: 'corrupt_ledger', key: this.keys.seen(state.id), redisType: String(reply[1]) };
    }
    const [status, emitted, duplicates, beyondHorizon] = reply as number[];
    if (status === 0) return { kind: 'conflict' };
    if (status === -1) return { kind: 'missing' };
    return {
      kind: 'committed',
      emitted: emitted ?? 0,
      duplicates: duplicates ?? 0,
      beyondHorizon: beyondHorizon ?? 0,
      state: (emitted ?? 0) > 0 ? state : ifNone,
    };
  }

  /**
   * The partition count this deployment's data was written with (`<prefix>:layout`), recording
   * this store's when none is recorded yet. A process configured with another count would look for
   * states in the wrong partitions (and register copies of them), so callers refuse to start.
   */
  async recordedPartitions(): Promise<number> {
    const key = this.keys.layout();
    const [, [, recorded]] = (await this.#redis
      .multi()
      .hsetnx(key, 'partitions', String(this.keys.partitions))
      .hget(key, 'partitions')
      .exec()) as [[Error | null, unknown], [Error | null, unknown]];
    return Number(recorded);
  }

  /** Release a poll lock if `lockToken` still holds it (a job that polled nothing). */
  async releasePollLock(stateId: string, lockToken: string): Promise<void> {
    if (!STATE_ID_PATTERN.test(stateId)) return;
    await runStoreScript(this.#redis, 'release-lock', [this.keys.lock(stateId)], [lockToken]);
  }

  /** Entries in the outbox streams of every partition. */
  async outboxLength(): Promise<number> {
    const pipeline = this.#redis.pipeline();
    for (const key of this.outboxKeys()) pipeline.xlen(key);
    let total = 0;
    for (const [err, n] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      total += Number(n);
    }
    return total;
  }

  /** The outbox stream key of every partition (for the relay and direct consumers). */
  outboxKeys(): string[] {
    return this.keys.allPartitions().map((k) => this.keys.outbox(k));
  }

  /** Due states (not yet claimed) of a platform in all partitions, and the oldest due time. */
  async countDue(
    platform: Platform,
    now: Date,
  ): Promise<{ count: number; oldestDueAtMs: number | null }> {
    const pipeline = this.#redis.pipeline();
    for (const k of this.keys.allPartitions()) {
      const key = this.keys.due(k, platform);
      pipeline.zcount(key, '-inf', now.getTime());
      pipeline.zrange(key, 0, 0, 'WITHSCORES');
    }
    let count = 0;
    let oldest: number | null = null;
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i < replies.length; i += 2) {
      const [e1, c] = replies[i] ?? [null, 0];
      const [e2, first] = replies[i + 1] ?? [null, []];
      if (e1) throw e1;
      if (e2) throw e2;
      count += Number(c);
      const score = (first as string[])[1];
      if (score !== undefined && Number(score) <= now.getTime()) {
        oldest = oldest === null ? Number(score) : Math.min(oldest, Number(score));
      }
    }
    return { count, oldestDueAtMs: oldest };
  }

  /** Ids set aside as corrupt in each partition, with the reason. */
  async listQuarantined(): Promise<{ stateId: string; reason: string }[]> {
    const pipeline = this.#redis.pipeline();
    for (const k of this.keys.allPartitions()) pipeline.hgetall(this.keys.quarantine(k));
    const out: { stateId: string; reason: string }[] = [];
    for (const [err, reply] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      for (const [stateId, reason] of Object.entries(reply as Record<string, string>)) {
        out.push({ stateId, reason });
      }
    }
    return out;
  }

  /**
   * Read many states in one round trip (one more, only when some key turns out empty: it tells a
   * missing state from a key of another Redis type, which MGET also answers with nil). Missing
   * ones are left out; corrupt ones are reported and returned apart (and, with `quarantine`,
   * moved out of the due index into the quarantine hash).
   */
  async #getMany(
    ids: readonly string[],
    quarantine = false,
  ): Promise<{ states: PollingState[]; corrupt: CorruptStateEntry[] }> {
    const valid = ids.filter((id) => STATE_ID_PATTERN.test(id));
    if (valid.length === 0) return { states: [], corrupt: [] };
    // One MGET per partition (all its keys share a slot, so this stays Cluster-safe).
    const byPartition = new Map<number, string[]>();
    for (const id of valid) {
      const k = this.keys.partitionOf(id);
      const list = byPartition.get(k);
      if (list === undefined) byPartition.set(k, [id]);
      else list.push(id);
    }
    const pipeline = this.#redis.pipeline();
    const order: string[] = [];
    for (const ids of byPartition.values()) {
      pipeline.mget(ids.map((id) => this.keys.state(id)));
      order.push(...ids);
    }
    const values = new Map<string, string | null>();
    let offset = 0;
    for (const [err, reply] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      for (const v of reply as (string | null)[]) values.set(order[offset++] as string, v);
    }
    const types = await this.#typesOf(valid.filter((id) => (values.get(id) ?? null) === null));
    const states: PollingState[] = [];
    const corrupt: CorruptStateEntry[] = [];
    const repairs: ((tx: ChainableCommander) => void)[] = [];
    const setAside = (
      id: string,
      entry: Omit<CorruptStateEntry, 'stateId' | 'key'>,
      why: string,
    ) => {
      const k = this.keys.partitionOf(id);
      corrupt.push({ stateId: id, key: this.keys.state(id), ...entry });
      if (quarantine) {
        repairs.push((tx) => {
          PLATFORMS.forEach((p) => tx.zrem(this.keys.due(k, p), id));
          tx.hset(this.keys.quarantine(k), id, why);
        });
      }
    };
    for (const id of valid) {
      const json = values.get(id) ?? null;
      const key = this.keys.state(id);
      const k = this.keys.partitionOf(id);
      if (json === null) {
        const type = types.get(id) ?? 'none';
        if (type !== 'none') {
          const reason = wrongTypeReason(type);
          this.#onCorrupt(new CorruptStateError(key, reason));
          setAside(id, { reason, platform: null }, quarantineReason(type));
          continue;
        }
        // Deleted since it was indexed: drop the dangling due entries.
        if (quarantine) {
          repairs.push((tx) => PLATFORMS.forEach((p) => tx.zrem(this.keys.due(k, p), id)));
        }
        continue;
      }
      let state: PollingState;
      try {
        state = parsePollingState(json);
      } catch (err) {
        const reason = (err as Error).message;
        this.#onCorrupt(new CorruptStateError(key, reason, { cause: err }));
        setAside(id, { reason, platform: platformNamedIn(json) }, quarantineReason(null));
        continue;
      }
      if (state.id === id) {
        states.push(state);
        continue;
      }
      this.#onCorrupt(new CorruptStateError(key, `holds the state of ${state.id}`));
      setAside(
        id,
        { reason: 'holds the state of another resource', platform: state.platform },
        quarantineReason(null),
      );
    }
    if (repairs.length > 0) {
      // One MULTI per partition would be needed on a Cluster; these are rare repairs, so a plain
      // pipeline (each command single-key) is used.
      const tx = this.#redis.pipeline();
      repairs.forEach((r) => r(tx));
      await tx.exec();
    }
    return { states, corrupt };
  }

  /** The Redis type of each id's state key (one pipelined round trip; none when `ids` is empty). */
  async #typesOf(ids: readonly string[]): Promise<Map<string, string>> {
    const types = new Map<string, string>();
    if (ids.length === 0) return types;
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.type(this.keys.state(id));
    ((await pipeline.exec()) ?? []).forEach(([err, type], i) => {
      if (err) throw err;
      types.set(ids[i] as string, String(type));
    });
    return types;
  }

  /**
   * GET a state key; a key of another Redis type (WRONGTYPE) is a CorruptStateError naming the key
   * and the type it holds.
   */
  async #read(key: string): Promise<string | null> {
    try {
      return await this.#redis.get(key);
    } catch (err) {
      if (!isWrongTypeError(err)) throw err;
      const type = await this.#redis.type(key).catch(() => 'non-string value');
      throw new CorruptStateError(key, wrongTypeReason(type), { cause: err });
    }
  }

  #parse(key: string, json: string): PollingState | null {
    try {
      return parsePollingState(json);
    } catch (err) {
      this.#onCorrupt(new CorruptStateError(key, (err as Error).message, { cause: err }));
      return null;
    }
  }

  #parseOrThrow(key: string, json: string): PollingState {
    try {
      return parsePollingState(json);
    } catch (err) {
      throw new CorruptStateError(key, (err as Error).message, { cause: err });
    }
  }

  #indexKeys(state: PollingState): string[] {
    const k = this.keys.partitionOf(state.id);
    return [
      this.keys.state(state.id),
      this.keys.due(k, state.platform),
      this.keys.client(state.clientId),
    ];
  }
}

/** The reason a state key of another Redis type is corrupt. */
function wrongTypeReason(type: string): string {
  return `holds a Redis ${type}, not a string with the state's JSON`;
}

/** What the quarantine hash records: the Redis type when it is the wrong one. */
function quarantineReason(wrongType: string | null): string {
  return wrongType === null
    ? 'stored value is not a valid polling state'
    : `stored value is a Redis ${wrongType}, not a polling state`;
}

/** True for Redis's WRONGTYPE error reply (a command on a key of another type). */
function isWrongTypeError(err: unknown): boolean {
  return err instanceof Error && /^WRONGTYPE\b/.test(err.message);
}

/** The platform a corrupt stored value still names, if it parses as JSON and names a valid one. */
function platformNamedIn(json: string): Platform | null {
  try {
    const raw = JSON.parse(json) as unknown;
    const platform = (raw as { platform?: unknown } | null)?.platform;
    return (PLATFORMS as readonly unknown[]).includes(platform) ? (platform as Platform) : null;
  } catch {
    return null;
  }
}

/** `total` split into `parts` integers differing by at most one; the larger ones start at `offset`. */
function splitEvenly(total: number, parts: number, offset: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => {
    const position = (((i - offset) % parts) + parts) % parts;
    return base + (position < extra ? 1 : 0);
  });
}

function clampLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ValidationError([{ field: 'limit', reason: 'must be a positive integer' }]);
  }
  return Math.min(limit, MAX_LIMIT);
}
