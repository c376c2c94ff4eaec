/**
 * A clock that runs faster than real time, for demos: `speed` virtual ms pass per real ms.
 */
import type { Clock } from '../domain/clock.js';

/** Virtual time = `startMs` + (real time since creation) × `speed`. */
export class ScaledClock implements Clock {
  readonly #startMs: number;
  readonly #realStartMs: number;
  readonly #speed: number;
  readonly #realNow: () => number;

  constructor(speed: number, startMs: number = Date.now(), realNow: () => number = Date.now) {
    if (!(speed > 0)) throw new Error(`ScaledClock speed must be positive (got ${speed})`);
    this.#speed = speed;
    this.#startMs = startMs;
    this.#realNow = realNow;
    this.#realStartMs = realNow();
  }

  now(): number {
    return Math.floor(this.#startMs + (this.#realNow() - this.#realStartMs) * this.#speed);
  }
}
