/**
 * Platform id formats. All are time-ordered 19-digit decimal strings above 2^53, built the way
 * each platform builds them, so ids sort by creation time and never survive a `Number` round trip.
 */

/** Twitter's snowflake epoch (2010-11-04T01:42:54.657Z). */
export const X_EPOCH_MS = 1288834974657;

/**
 * Hands out snowflake-like ids that strictly increase: X (`(ms − epoch) << 22 | seq`), LinkedIn
 * activities and comments (`ms << 22 | seq`), TikTok (`s << 32 | bits`).
 */
export class IdFactory {
  #last = 0n;
  readonly #shift: bigint;
  readonly #toUnits: (ms: number) => bigint;

  private constructor(shift: number, toUnits: (ms: number) => bigint) {
    this.#shift = BigInt(shift);
    this.#toUnits = toUnits;
  }

  /** X snowflakes. */
  static x(): IdFactory {
    return new IdFactory(22, (ms) => BigInt(Math.max(0, Math.floor(ms) - X_EPOCH_MS)));
  }

  /** LinkedIn activity/comment ids (epoch ms shifted by 22 bits). */
  static linkedin(): IdFactory {
    return new IdFactory(22, (ms) => BigInt(Math.floor(ms)));
  }

  /** TikTok ids (epoch seconds shifted by 32 bits). */
  static tiktok(): IdFactory {
    return new IdFactory(32, (ms) => BigInt(Math.floor(ms / 1000)));
  }

  /** The next id for an item created at `atMs`; larger than every id handed out before. */
  next(atMs: number, low = 0): string {
    let id = (this.#toUnits(atMs) << this.#shift) | BigInt(low);
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }
}

/** The creation time an X snowflake encodes, epoch ms. */
export function xIdTimeMs(id: string): number {
  return Number(BigInt(id) >> 22n) + X_EPOCH_MS;
}

/** Compare two decimal id strings numerically (no precision loss): negative, 0 or positive. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
