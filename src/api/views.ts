/**
 * What the API shows of a polling state: everything an operator needs and nothing secret (the
 * state holds no secrets; this view fixes the public field set and its JSON spelling).
 */
import type { PollingState } from '../domain/polling-state.js';
import type { CorruptStateEntry } from '../store/polling-state-store.js';

/** A resource and its polling state as the API returns it. */
export interface ResourceView {
  id: string;
  clientId: string;
  platform: PollingState['platform'];
  resourceType: PollingState['resourceType'];
  /** null for account-level resources (LinkedIn inbox, X DMs). */
  resourceId: string | null;
  status: PollingState['status'];
  cursor: string | null;
  /** True while a multi-page walk is in progress (the cursor moves when it ends). */
  walkInProgress: boolean;
  lastPolledAt: string | null;
  nextPollAt: string;
  lastItemCount: number;
  emptyPolls: number;
  consecutiveErrors: number;
  /** The class of the last error (`auth`, `transient`, …) or null. */
  lastErrorCode: PollingState['lastErrorCode'];
  lastError: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * A resource whose stored state is corrupt, as the list shows it (beside the valid ones, so that
 * a list never silently comes out shorter). Unregister it to remove it.
 */
export interface CorruptResourceView {
  id: string;
  /** The platform the stored value still names, or null when it names none. */
  platform: PollingState['platform'] | null;
  status: 'corrupt';
  /** What is wrong with the stored value. */
  reason: string;
}

/** The API view of a corrupt state. */
export function toCorruptResourceView(entry: CorruptStateEntry): CorruptResourceView {
  return { id: entry.stateId, platform: entry.platform, status: 'corrupt', reason: entry.reason };
}

/** The API view of a state. */
export function toResourceView(state: PollingState): ResourceView {
  return {
    id: state.id,
    clientId: state.clientId,
    platform: state.platform,
    resourceType: state.resourceType,
    resourceId: state.resourceId ?? null,
    status: state.status,
    cursor: state.cursor,
    walkInProgress: state.pageToken !== null,
    lastPolledAt: state.lastPolledAt?.toISOString() ?? null,
    nextPollAt: state.nextPollAt.toISOString(),
    lastItemCount: state.lastItemCount,
    emptyPolls: state.emptyPolls,
    consecutiveErrors: state.consecutiveErrors,
    lastErrorCode: state.lastErrorCode,
    lastError: state.lastError,
    version: state.version,
    createdAt: state.createdAt.toISOString(),
    updatedAt: state.updatedAt.toISOString(),
  };
}
