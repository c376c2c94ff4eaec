/**
 * The log of every request the simulator answered, and the count of requests made over a limit
 * (the platform would have refused them; the simulator refuses them too and counts them).
 */
import type { Platform } from '../domain/platform.js';

/** How a request ended. */
export type RequestOutcome =
  | 'ok'
  | 'rate_limited'
  | 'auth'
  | 'bad_request'
  | 'not_found'
  | 'fault_5xx'
  | 'fault_hang'
  | 'fault_malformed';

/** One logged request. */
export interface RequestLogEntry {
  atMs: number;
  platform: Platform | null;
  /** Endpoint name (`mentions`, `search`, `dm_events`, `comments`, …). */
  endpoint: string;
  method: string;
  path: string;
  clientId: string | null;
  status: number;
  outcome: RequestOutcome;
  /** The rate-limit bucket that refused it, when it was over a limit. */
  overLimit: string | null;
}

/** Totals kept forever (the entry list is trimmed). */
export interface RequestStats {
  total: number;
  /** Requests made over a limit. */
  violations: number;
  byOutcome: Record<string, number>;
  violationsByBucket: Record<string, number>;
}

/** The request log. */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];
  readonly #limit: number;
  #total = 0;
  #violations = 0;
  readonly #byOutcome: Record<string, number> = {};
  readonly #violationsByBucket: Record<string, number> = {};

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Record one request. */
  add(entry: RequestLogEntry): void {
    this.#total++;
    this.#byOutcome[entry.outcome] = (this.#byOutcome[entry.outcome] ?? 0) + 1;
    if (entry.overLimit !== null) {
      this.#violations++;
      this.#violationsByBucket[entry.overLimit] =
        (this.#violationsByBucket[entry.overLimit] ?? 0) + 1;
    }
    if (this.#limit <= 0) return;
    if (this.#entries.length >= this.#limit) this.#entries.shift();
    this.#entries.push(entry);
  }

  /** The kept entries, oldest first (optionally only those since `sinceMs`). */
  entries(sinceMs?: number): RequestLogEntry[] {
    return sinceMs === undefined
      ? [...this.#entries]
      : this.#entries.filter((e) => e.atMs >= sinceMs);
  }

  /** The totals. */
  stats(): RequestStats {
    return {
      total: this.#total,
      violations: this.#violations,
      byOutcome: { ...this.#byOutcome },
      violationsByBucket: { ...this.#violationsByBucket },
    };
  }
}
