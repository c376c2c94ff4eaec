/**
 * Fault injection: random faults at configured rates (seeded, so a run is reproducible for the same
 * sequence of requests) and one-shot faults queued at run time for exact tests.
 */
import type { Platform } from '../domain/platform.js';
import type { FaultOptions } from './options.js';
import { Random } from './random.js';

/** A fault that replaces or delays an answer. */
export type AnswerFault = '5xx' | 'hang' | 'malformed';

/** A one-shot fault queued for the next matching requests. */
export interface QueuedFault {
  kind: AnswerFault | 'duplicate' | 'delete_after_serve';
  /** Only requests to this platform (any when absent). */
  platform?: Platform;
  /** How many requests it applies to. @defaultValue 1 */
  count?: number;
}

/** The simulator's fault settings and queue. */
export class Faults {
  /** The current settings; change them at run time with {@link Faults.configure}. */
  readonly options: FaultOptions;
  readonly #rng: Random;
  readonly #queue: { kind: QueuedFault['kind']; count: number; platform?: Platform }[] = [];

  constructor(options: FaultOptions, seed: string) {
    this.options = { ...options };
    this.#rng = new Random(`${seed}/faults`);
  }

  /** Change fault settings at run time. */
  configure(changes: Partial<FaultOptions>): void {
    for (const [k, v] of Object.entries(changes) as [keyof FaultOptions, number | undefined][]) {
      if (v !== undefined) this.options[k] = v;
    }
  }

  /** Queue a fault for the next `count` matching requests. */
  inject(fault: QueuedFault): void {
    this.#queue.push({
      kind: fault.kind,
      count: fault.count ?? 1,
      ...(fault.platform ? { platform: fault.platform } : {}),
    });
  }

  /** Drop every queued fault and zero every rate. */
  clear(): void {
    this.#queue.length = 0;
    this.configure({
      serverErrorRate: 0,
      hangRate: 0,
      malformedRate: 0,
      latencyMs: 0,
      lateIndexRate: 0,
      deleteAfterServeRate: 0,
      duplicateAcrossPagesRate: 0,
    });
  }

  /** The answer fault for this request, if any (queued first, then random). */
  drawAnswerFault(platform: Platform): AnswerFault | null {
    for (const kind of ['5xx', 'hang', 'malformed'] as const) {
      if (this.#takeQueued(kind, platform)) return kind;
    }
    const o = this.options;
    if (o.serverErrorRate > 0 && this.#rng.chance(o.serverErrorRate)) return '5xx';
    if (o.hangRate > 0 && this.#rng.chance(o.hangRate)) return 'hang';
    if (o.malformedRate > 0 && this.#rng.chance(o.malformedRate)) return 'malformed';
    return null;
  }

  /** Whether this page should repeat its last item on the next page. */
  drawDuplicate(platform: Platform): boolean {
    if (this.#takeQueued('duplicate', platform)) return true;
    return (
      this.options.duplicateAcrossPagesRate > 0 &&
      this.#rng.chance(this.options.duplicateAcrossPagesRate)
    );
  }

  /** Whether an item just served should be deleted. */
  drawDeleteAfterServe(platform: Platform): boolean {
    if (this.#takeQueued('delete_after_serve', platform)) return true;
    return (
      this.options.deleteAfterServeRate > 0 && this.#rng.chance(this.options.deleteAfterServeRate)
    );
  }

  #takeQueued(kind: QueuedFault['kind'], platform: Platform): boolean {
    if (this.#queue.length === 0) return false;
    const i = this.#queue.findIndex(
      (q) => q.kind === kind && (q.platform === undefined || q.platform === platform),
    );
    if (i < 0) return false;
    const q = this.#queue[i]!;
    if (--q.count <= 0) this.#queue.splice(i, 1);
    return true;
  }
}
