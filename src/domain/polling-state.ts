/**
 * PollingState: where polling of one resource stands, and its transitions after each poll.
 * Pure: every function takes `now` and any randomness as arguments.
 */
import { z } from 'zod';
import {
  addPositiveJitter,
  computeAdaptiveIntervalMs,
  computeBackoffMs,
  DEFAULT_ADAPTIVE,
  DEFAULT_BACKOFF,
  type AdaptiveIntervalOptions,
  type BackoffOptions,
  type RandomSource,
} from './backoff.js';
import { PLATFORM_ERROR_CODES, ValidationError, type PlatformErrorCode } from './errors.js';
import { PlatformSchema, ResourceTypeSchema } from './platform.js';
import {
  CLIENT_ID_PATTERN,
  ClientIdSchema,
  CURSOR_PATTERN,
  deriveStateId,
  STATE_ID_PATTERN,
  validateCursor,
  validateResourceRef,
  type ResourceRef,
} from './resource.js';

/** Lifecycle of a state. */
export const POLLING_STATUSES = ['active', 'backing_off', 'needs_reauth', 'paused'] as const;
/** Schema of a status. */
export const PollingStatusSchema = z.enum(POLLING_STATUSES);
/** `active` polls on schedule; `backing_off` after failures; the other two are not scheduled. */
export type PollingStatus = z.infer<typeof PollingStatusSchema>;

const isoDate = z.iso.datetime({ offset: false, precision: 3 }).transform((s) => new Date(s));
const cursorString = z.string().regex(CURSOR_PATTERN, 'not a valid cursor');

/**
 * The stored form of a state: exactly these fields (strict: an unknown field, such as a token pasted
 * into it, is rejected). Dates are ISO-8601 UTC strings.
 */
export const StoredPollingStateSchema = z.strictObject({
  id: z.string().regex(STATE_ID_PATTERN, 'not a state id'),
  clientId: ClientIdSchema,
  platform: PlatformSchema,
  resourceType: ResourceTypeSchema,
  resourceId: z.string().min(1).max(128).optional(),
  cursor: cursorString.nullable(),
  pageToken: cursorString.nullable(),
  pendingCursor: cursorString.nullable(),
  lastPolledAt: isoDate.nullable(),
  nextPollAt: isoDate,
  lastItemCount: z.number().int().nonnegative(),
  emptyPolls: z.number().int().nonnegative(),
  consecutiveErrors: z.number().int().nonnegative(),
  lastError: z.string().max(1000).nullable(),
  lastErrorCode: z.enum(PLATFORM_ERROR_CODES).nullable(),
  status: PollingStatusSchema,
  version: z.number().int().nonnegative(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

/** Where polling of one resource stands. Holds no secrets. */
export interface PollingState {
  /** Deterministic id derived from (clientId, platform, resourceType, resourceId). */
  id: string;
  clientId: string;
  platform: z.infer<typeof PlatformSchema>;
  resourceType: z.infer<typeof ResourceTypeSchema>;
  resourceId?: string;
  /** The committed position: items up to it have been emitted. */
  cursor: string | null;
  /** A page token of a walk not yet finished (the cursor moves only when the walk ends). */
  pageToken: string | null;
  /** The cursor to commit when the walk in progress ends (set while `pageToken` is). */
  pendingCursor: string | null;
  lastPolledAt: Date | null;
  nextPollAt: Date;
  /** Items found by the last successful poll. */
  lastItemCount: number;
  /** Consecutive polls without new items; stretches the interval. */
  emptyPolls: number;
  consecutiveErrors: number;
  lastError: string | null;
  lastErrorCode: PlatformErrorCode | null;
  status: PollingStatus;
  /** Incremented on every write; guards against stale writers. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Parameters of {@link createPollingState}. */
export type CreatePollingStateParams = ResourceRef & { cursor?: string | null };

/**
 * A new state for a resource, due immediately. Validates the reference and the cursor
 * (throws a ValidationError naming the field).
 */
export function createPollingState(params: CreatePollingStateParams, now: Date): PollingState {
  const ref = validateResourceRef(params);
  const cursor = validateCursor(params.cursor ?? null);
  const state: PollingState = {
    id: deriveStateId(ref),
    clientId: ref.clientId,
    platform: ref.platform,
    resourceType: ref.resourceType,
    cursor,
    pageToken: null,
    pendingCursor: null,
    lastPolledAt: null,
    nextPollAt: now,
    lastItemCount: 0,
    emptyPolls: 0,
    consecutiveErrors: 0,
    lastError: null,
    lastErrorCode: null,
    status: 'active',
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
  if (ref.resourceId !== undefined) state.resourceId = ref.resourceId;
  return state;
}

/** What one poll came to. */
export type PollResult =
  | {
      success: true;
      /** The new committed cursor (null: keep none). */
      cursor: string | null;
      /** Items the platform returned. */
      itemsFound?: number;
      /** Of those, how many were new (not emitted before). Defaults to itemsFound. */
      newItems?: number;
      /** A page token to continue from on the next poll (more pages are waiting). */
      pageToken?: string | null;
      /** With `pageToken`: the cursor to commit once the walk ends. */
      pendingCursor?: string | null;
    }
  | {
      success: false;
      /** Readable reason (never a token). */
      error: string;
      /** The class of failure; absent means transient. */
      code?: PlatformErrorCode;
      /** How long the platform asked us to wait, if it said. */
      retryAfterMs?: number;
    };

/** Scheduling policy applied by {@link updatePollingState}. */
export interface PollPolicy {
  /** Base interval of this resource type. @defaultValue 300_000 */
  intervalMs: number;
  /** Consecutive errors after which only slow probes are made. @defaultValue 5 */
  maxErrors: number;
  /** Cadence of probes at or over `maxErrors`. @defaultValue 3_600_000 */
  probeIntervalMs: number;
  /** Positive jitter added to every interval, as a ratio. @defaultValue 0.1 */
  jitterRatio: number;
  backoff: BackoffOptions;
  adaptive: AdaptiveIntervalOptions;
  /** Randomness for jitter. @defaultValue Math.random */
  random: RandomSource;
}

/** The default policy. */
export const DEFAULT_POLL_POLICY: Readonly<PollPolicy> = Object.freeze({
  intervalMs: 300_000,
  maxErrors: 5,
  probeIntervalMs: 3_600_000,
  jitterRatio: 0.1,
  backoff: DEFAULT_BACKOFF,
  adaptive: DEFAULT_ADAPTIVE,
  random: Math.random,
});

/**
 * The state after a poll, at `now`.
 * - success: errors reset, cursor stored, status `active`; the next poll comes at the adaptive
 *   interval, or at once when a page token says more pages wait;
 * - `rate_limited`: not an error; next poll when the platform said (or one interval), count unchanged;
 * - `auth`: `needs_reauth`; `not_found`: `paused` (neither is scheduled again until resumed);
 * - anything else: errors + 1, `backing_off`, next poll after full-jitter backoff, or at the slow probe
 *   cadence once the count reaches `maxErrors`.
 */
export function updatePollingState(
  state: PollingState,
  result: PollResult,
  now: Date,
  policy: Partial<PollPolicy> = {},
): PollingState {
  const p: PollPolicy = { ...DEFAULT_POLL_POLICY, ...policy };
  const nowMs = now.getTime();
  const base = { ...state, version: state.version + 1, updatedAt: now };

  if (result.success) {
    const cursor = validateCursor(result.cursor);
    const pageToken = validateCursor(result.pageToken ?? null, 'pageToken');
    const pendingCursor =
      pageToken === null ? null : validateCursor(result.pendingCursor ?? null, 'pendingCursor');
    const itemsFound = result.itemsFound ?? 0;
    const newItems = result.newItems ?? itemsFound;
    const emptyPolls = newItems > 0 ? 0 : state.emptyPolls + 1;
    const intervalMs = computeAdaptiveIntervalMs(
      p.intervalMs,
      newItems > 0 ? 0 : emptyPolls,
      p.adaptive,
    );
    const nextPollAtMs =
      pageToken !== null ? nowMs : nowMs + addPositiveJitter(intervalMs, p.jitterRatio, p.random);
    return {
      ...base,
      cursor,
      pageToken,
      pendingCursor,
      lastPolledAt: now,
      nextPollAt: new Date(nextPollAtMs),
      lastItemCount: itemsFound,
      emptyPolls,
      consecutiveErrors: 0,
      lastError: null,
      lastErrorCode: null,
      status: 'active',
    };
  }

  const code: PlatformErrorCode = result.code ?? 'transient';
  const lastError = result.error.slice(0, 1000);
  switch (code) {
    case 'rate_limited': {
      const waitMs = result.retryAfterMs ?? p.intervalMs;
      return {
        ...base,
        lastError,
        lastErrorCode: code,
        nextPollAt: new Date(nowMs + Math.max(0, waitMs)),
      };
    }
    case 'auth':
      return { ...base, lastError, lastErrorCode: code, status: 'needs_reauth' };
    case 'not_found':
      return { ...base, lastError, lastErrorCode: code, status: 'paused' };
    case 'transient':
    case 'invalid_request':
    case 'invalid_response': {
      const consecutiveErrors = state.consecutiveErrors + 1;
      const delayMs =
        consecutiveErrors >= p.maxErrors
          ? addPositiveJitter(p.probeIntervalMs, p.jitterRatio, p.random)
          : Math.max(
              computeBackoffMs(consecutiveErrors, p.backoff, p.random),
              result.retryAfterMs ?? 0,
            );
      return {
        ...base,
        lastPolledAt: now,
        consecutiveErrors,
        lastError,
        lastErrorCode: code,
        status: 'backing_off',
        nextPollAt: new Date(nowMs + delayMs),
      };
    }
  }
}

/** Put a `needs_reauth`, `paused` or backing-off state back on the normal schedule, due at `now`. */
export function resumePollingState(state: PollingState, now: Date): PollingState {
  return {
    ...state,
    status: 'active',
    consecutiveErrors: 0,
    lastError: null,
    lastErrorCode: null,
    nextPollAt: now,
    version: state.version + 1,
    updatedAt: now,
  };
}

/** True when the scheduler may poll this state at all (not `needs_reauth` or `paused`). */
export function isSchedulable(state: Pick<PollingState, 'status'>): boolean {
  return state.status === 'active' || state.status === 'backing_off';
}

/** The stored JSON of a state. */
export function serializePollingState(state: PollingState): string {
  return JSON.stringify(state);
}

const STORED_KEYS = new Set(Object.keys(StoredPollingStateSchema.shape));
const REQUIRED_KEYS = [...STORED_KEYS].filter((k) => k !== 'resourceId');
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const STATUSES: ReadonlySet<unknown> = new Set(POLLING_STATUSES);
const ERROR_CODES: ReadonlySet<unknown> = new Set(PLATFORM_ERROR_CODES);
const PLATFORM_SET: ReadonlySet<unknown> = new Set(PlatformSchema.options);
const TYPE_SET: ReadonlySet<unknown> = new Set(ResourceTypeSchema.options);

/**
 * A fast structural check of a stored state with the same rules as StoredPollingStateSchema.
 * Why by hand: a scheduler tick reads up to thousands of states and zod costs ~10 µs each; this
 * costs well under one. The zod schema stays the contract: on any failure it is run to produce the
 * detailed message, and a test checks that both accept and reject the same values.
 */
function isStoredPollingStateShape(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  for (const k in o) if (!STORED_KEYS.has(k)) return false;
  for (const k of REQUIRED_KEYS) if (!(k in o)) return false;
  const isDate = (x: unknown): boolean =>
    typeof x === 'string' && ISO_UTC_MS.test(x) && !Number.isNaN(Date.parse(x));
  const isCount = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0;
  const isCursorOrNull = (x: unknown): boolean =>
    x === null || (typeof x === 'string' && CURSOR_PATTERN.test(x));
  return (
    typeof o.id === 'string' &&
    STATE_ID_PATTERN.test(o.id) &&
    typeof o.clientId === 'string' &&
    CLIENT_ID_PATTERN.test(o.clientId) &&
    PLATFORM_SET.has(o.platform) &&
    TYPE_SET.has(o.resourceType) &&
    (o.resourceId === undefined ||
      (typeof o.resourceId === 'string' &&
        o.resourceId.length >= 1 &&
        o.resourceId.length <= 128)) &&
    isCursorOrNull(o.cursor) &&
    isCursorOrNull(o.pageToken) &&
    isCursorOrNull(o.pendingCursor) &&
    (o.lastPolledAt === null || isDate(o.lastPolledAt)) &&
    isDate(o.nextPollAt) &&
    isCount(o.lastItemCount) &&
    isCount(o.emptyPolls) &&
    isCount(o.consecutiveErrors) &&
    (o.lastError === null || (typeof o.lastError === 'string' && o.lastError.length <= 1000)) &&
    (o.lastErrorCode === null || ERROR_CODES.has(o.lastErrorCode)) &&
    STATUSES.has(o.status) &&
    isCount(o.version) &&
    isDate(o.createdAt) &&
    isDate(o.updatedAt)
  );
}

/**
 * Parse a stored state. Throws a plain Error whose message says what is wrong; callers that know the
 * key wrap it in a CorruptStateError.
 */
export function parsePollingState(json: string): PollingState {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`, { cause: err });
  }
  if (isStoredPollingStateShape(raw)) {
    const o = raw as Record<string, unknown> & PollingState;
    const state: PollingState = {
      ...o,
      lastPolledAt: o.lastPolledAt === null ? null : new Date(o.lastPolledAt),
      nextPollAt: new Date(o.nextPollAt),
      createdAt: new Date(o.createdAt),
      updatedAt: new Date(o.updatedAt),
    };
    return state;
  }
  const parsed = StoredPollingStateSchema.safeParse(raw);
  throw new Error(
    parsed.success
      ? 'does not match the stored polling state schema'
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
  );
}

/**
 * Check that a state is exactly the schema before it is written: no unknown fields (a token pasted
 * into it, say), no bad values. Throws a ValidationError naming each offending field.
 */
export function assertStorablePollingState(state: PollingState): void {
  serializeStorablePollingState(state);
}

/**
 * {@link serializePollingState} after the check of {@link assertStorablePollingState}, serializing
 * once: the JSON written is the JSON checked. The check is the fast structural one (same rules as
 * StoredPollingStateSchema); zod runs only when it fails, to name each offending field.
 */
export function serializeStorablePollingState(state: PollingState): string {
  const json = serializePollingState(state);
  const raw: unknown = JSON.parse(json);
  if (isStoredPollingStateShape(raw)) return json;
  const parsed = StoredPollingStateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((i) => ({
        field: i.path.join('.') || '(root)',
        reason: i.message,
      })),
    );
  }
  throw new ValidationError([
    { field: '(root)', reason: 'does not match the stored polling state schema' },
  ]);
}
