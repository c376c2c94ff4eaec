/**
 * Time, injected: nothing in the domain reads the system clock. Production uses `systemClock`;
 * tests and the simulator drive a `ManualClock`.
 */

/** A source of the current time in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  #nowMs: number;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  /** Move forward by `ms` (never backwards). */
  advance(ms: number): number {
    if (ms < 0) throw new Error(`ManualClock cannot go backwards (advance ${ms})`);
    this.#nowMs += ms;
    return this.#nowMs;
  }

  /** Jump to an absolute time (not earlier than now). */
  set(ms: number): void {
    if (ms < this.#nowMs)
      throw new Error(`ManualClock cannot go backwards (${ms} < ${this.#nowMs})`);
    this.#nowMs = ms;
  }
}
